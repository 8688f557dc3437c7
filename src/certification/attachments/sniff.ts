import { fileTypeFromFile } from 'file-type';

/** The types an attachment may be, as `file-type` names them, and the type it is stored under. */
const ACCEPTED: Record<string, string> = {
  'application/pdf': 'application/pdf',
  'image/jpeg': 'image/jpeg',
  'image/png': 'image/png',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document':
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation':
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text': 'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet': 'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation': 'application/vnd.oasis.opendocument.presentation',
  // Legacy Office (.doc, .xls, .ppt): an OLE2 compound file, under the name attachments have always had.
  'application/x-cfb': 'application/x-ole-storage',
};

export type Sniffed = { mimeType: string } | { refused: 'zip' | 'other' };

/**
 * The content type of a stored file from its content, whatever its name says, by `file-type`: PDF, JPEG, PNG,
 * Office Open XML (a ZIP whose `[Content_Types].xml` names a Word, Excel or PowerPoint main part), OpenDocument
 * and legacy Office. A ZIP that is none of these (a `.docx` that is only renamed) is refused as `zip`, anything
 * else as `other`.
 */
export async function sniffMimeType(path: string): Promise<Sniffed> {
  const found = await fileTypeFromFile(path);
  if (found && ACCEPTED[found.mime]) return { mimeType: ACCEPTED[found.mime] };
  return { refused: found?.mime === 'application/zip' ? 'zip' : 'other' };
}
