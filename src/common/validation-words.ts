/**
 * Vietnamese for class-validator's messages. class-validator words a failed constraint in English only
 * ("password must be longer than or equal to 8 characters"); each pattern below reads one of those sentences
 * back (the field's path and the constraint's values) and says the same in Vietnamese. A field keeps its API
 * name, in quotes, so that a developer finds it in the request.
 */
const q = (field: string) => `“${field}”`;

/** `each value in x` (a list's members) becomes "mỗi phần tử của “x”". */
function subject(raw: string): string {
  const each = /^each value in (.+)$/.exec(raw);
  return each ? `Mỗi phần tử của ${q(each[1])}` : q(raw);
}

const PATTERNS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^property (\S+) should not exist$/, (m) => `Trường ${q(m[1])} không được phép gửi lên`],
  [/^an unknown value was passed to the validate function$/, () => 'Nội dung gửi lên không đúng dạng'],
  [/^(.+) must be a string$/, (m) => `${subject(m[1])} phải là chuỗi ký tự`],
  [/^(.+) must be an integer number$/, (m) => `${subject(m[1])} phải là số nguyên`],
  [/^(.+) must be a number conforming to the specified constraints$/, (m) => `${subject(m[1])} phải là một số`],
  [/^(.+) must be a positive number$/, (m) => `${subject(m[1])} phải là số dương`],
  [/^(.+) must be a boolean value$/, (m) => `${subject(m[1])} phải là true hoặc false`],
  [/^(.+) must be an array$/, (m) => `${subject(m[1])} phải là một danh sách`],
  [/^(.+) must be an email(?: address)?$/, (m) => `${subject(m[1])} phải là một địa chỉ email`],
  [/^(.+) must not be less than (\S+)$/, (m) => `${subject(m[1])} không được nhỏ hơn ${m[2]}`],
  [/^(.+) must not be greater than (\S+)$/, (m) => `${subject(m[1])} không được lớn hơn ${m[2]}`],
  [
    /^(.+) must be longer than or equal to (\d+) and shorter than or equal to (\d+) characters$/,
    (m) => `${subject(m[1])} phải dài từ ${m[2]} đến ${m[3]} ký tự`,
  ],
  [/^(.+) must be longer than or equal to (\d+) characters$/, (m) => `${subject(m[1])} phải dài ít nhất ${m[2]} ký tự`],
  [/^(.+) must be shorter than or equal to (\d+) characters$/, (m) => `${subject(m[1])} chỉ được dài tối đa ${m[2]} ký tự`],
  [/^(.+) must be one of the following values: (.*)$/, (m) => `${subject(m[1])} phải là một trong các giá trị: ${m[2]}`],
  [/^(.+) must match .* regular expression$/, (m) => `${subject(m[1])} không đúng định dạng`],
  [/^(.+) must contain no more than (\d+) elements$/, (m) => `${subject(m[1])} chỉ được có tối đa ${m[2]} phần tử`],
  [/^(.+) must contain at least (\d+) elements$/, (m) => `${subject(m[1])} phải có ít nhất ${m[2]} phần tử`],
  [/^All (.+)'s elements must be unique$/, (m) => `Các phần tử của ${q(m[1])} không được trùng nhau`],
  [/^nested property (.+) must be either object or array$/, (m) => `${subject(m[1])} phải là một đối tượng hoặc danh sách`],
  // The DTOs' own sentences.
  [/^(.+) must be a date YYYY-MM-DD$/, (m) => `${subject(m[1])} phải là một ngày dạng YYYY-MM-DD`],
  [/^(.+) must be a day dd\/mm\/yyyy or YYYY-MM-DD$/, (m) => `${subject(m[1])} phải là một ngày dạng dd/mm/yyyy hoặc YYYY-MM-DD`],
  [
    /^(.+) must be (\d+) to (\d+) letters, digits, dots, dashes or underscores$/,
    (m) => `${subject(m[1])} phải gồm ${m[2]} đến ${m[3]} chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới`,
  ],
  [
    /^(.+) must be a positive whole number of đồng \(an integer or a string of digits\)$/,
    (m) => `${subject(m[1])} phải là số đồng nguyên dương (số nguyên hoặc chuỗi chữ số)`,
  ],
];

/** The Vietnamese of one class-validator message; a sentence no pattern knows keeps its English, named as such. */
export function vietnameseOf(message: string): string {
  for (const [pattern, render] of PATTERNS) {
    const m = pattern.exec(message);
    if (m) return render(m);
  }
  return `Giá trị không hợp lệ (${message})`;
}
