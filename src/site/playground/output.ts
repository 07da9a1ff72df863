/** What the playground hands out: text to the clipboard, and files to download. */

/**
 * Puts `text` on the clipboard and says so in `status`; where the browser refuses, the text is
 * shown selected in a dialog for the reader to copy.
 */
export function copyText(text: string, status: HTMLElement, done: string): void {
  navigator.clipboard.writeText(text).then(
    () => {
      status.textContent = done;
    },
    () => showForCopy(text),
  );
}

function showForCopy(text: string): void {
  const dialog = document.createElement('dialog');
  const area = document.createElement('textarea');
  area.value = text;
  area.readOnly = true;
  area.rows = 20;
  area.cols = 80;
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.addEventListener('click', () => dialog.remove());
  dialog.append(area, close);
  document.body.append(dialog);
  dialog.showModal();
  area.select();
}

/** Offers `text` as a file named `name`, made in the browser (no request is made). */
export function downloadText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
