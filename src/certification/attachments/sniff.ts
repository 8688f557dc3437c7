/**
 * The content type of a file from its first bytes, whatever its name says: PDF, JPEG, PNG, legacy Office
 * (OLE2: .doc, .xls, .ppt), Office Open XML and OpenDocument (ZIP whose first entry is theirs). Null for
 * anything else.
 */
export function sniffMimeType(head: Buffer): string | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return 'application/x-ole-storage';
  if (starts(0x50, 0x4b, 0x03, 0x04) && head.length >= 30) {
    const nameLength = head.readUInt16LE(26);
    const name = head.subarray(30, 30 + nameLength).toString('latin1');
    if (name === 'mimetype') {
      const extraLength = head.readUInt16LE(28);
      const content = head.subarray(30 + nameLength + extraLength, 30 + nameLength + extraLength + 80).toString('latin1');
      if (content.startsWith('application/vnd.oasis.opendocument.')) return content.split(/[^\w.\-/]/)[0];
      return null;
    }
    const names = head.toString('latin1');
    if (names.includes('word/')) return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    if (names.includes('xl/')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    if (names.includes('ppt/')) return 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
    if (name === '[Content_Types].xml' || name.startsWith('_rels/') || name.startsWith('docProps/')) {
      return 'application/vnd.openxmlformats-officedocument';
    }
  }
  return null;
}
