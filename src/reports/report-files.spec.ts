import { csvField } from './report-files.js';

describe('csvField', () => {
  it.each(['=HYPERLINK("http://x.example","y")', '+1+2', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])(
    'puts a single quote before text a spreadsheet would run: %j',
    (text) => {
      const cell = csvField(text);
      // Quoted when it holds a quote or a line break; either way the value starts with the single quote.
      const value = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
      expect(value).toBe(`'${text}`);
    },
  );

  it('leaves numbers, negative ones included, and booleans as they are', () => {
    expect(csvField(-5)).toBe('-5');
    expect(csvField(-0.25)).toBe('-0.25');
    expect(csvField(12)).toBe('12');
    expect(csvField(true)).toBe('true');
  });

  it('leaves ordinary text alone and quotes what needs quoting', () => {
    expect(csvField('Giao thông')).toBe('Giao thông');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('x=1')).toBe('x=1');
  });
});
