import { vietnameseOf } from './validation-words.js';

/** Every class-validator sentence the DTOs can produce reads back into Vietnamese, the field kept by name. */
describe('vietnameseOf', () => {
  it.each([
    ['password must be longer than or equal to 8 characters', '“password” phải dài ít nhất 8 ký tự'],
    ['note must be shorter than or equal to 2000 characters', '“note” chỉ được dài tối đa 2000 ký tự'],
    ['code must be longer than or equal to 1 and shorter than or equal to 64 characters', '“code” phải dài từ 1 đến 64 ký tự'],
    ['items.0.code must not be greater than 16', '“items.0.code” không được lớn hơn 16'],
    ['year must not be less than 2019', '“year” không được nhỏ hơn 2019'],
    ['year must be an integer number', '“year” phải là số nguyên'],
    ['each value in criteria must be an integer number', 'Mỗi phần tử của “criteria” phải là số nguyên'],
    ['role must be one of the following values: COMMUNE_STAFF, REVIEWER', '“role” phải là một trong các giá trị: COMMUNE_STAFF, REVIEWER'],
    ['property isSuperAdmin should not exist', 'Trường “isSuperAdmin” không được phép gửi lên'],
    ["All criteria's elements must be unique", 'Các phần tử của “criteria” không được trùng nhau'],
    ['decisionDate must be a date YYYY-MM-DD', '“decisionDate” phải là một ngày dạng YYYY-MM-DD'],
    ['receivedAt must be a day dd/mm/yyyy or YYYY-MM-DD', '“receivedAt” phải là một ngày dạng dd/mm/yyyy hoặc YYYY-MM-DD'],
    ['email must be an email address', '“email” phải là một địa chỉ email'],
    [
      'amountVnd must be a positive whole number of đồng (an integer or a string of digits)',
      '“amountVnd” phải là số đồng nguyên dương (số nguyên hoặc chuỗi chữ số)',
    ],
    ['dossierIds must contain no more than 100 elements', '“dossierIds” chỉ được có tối đa 100 phần tử'],
  ])('%s', (en, vi) => {
    expect(vietnameseOf(en)).toBe(vi);
  });

  it('keeps a sentence it does not know, saying the value is not valid', () => {
    expect(vietnameseOf('x must be frobnicated')).toBe('Giá trị không hợp lệ (x must be frobnicated)');
  });
});
