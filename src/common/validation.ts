import { ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { InvalidInput, type FieldError } from './errors.js';
import { vietnameseOf } from './validation-words.js';

/**
 * Every constraint a class-validator error names, field by field ("items.0.code"), children included: its
 * English sentence as class-validator words it, and the same in Vietnamese as a message key.
 */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) {
      const messages = Object.values(e.constraints).map((m) => (parent ? m.replace(e.property, field) : m));
      const keys = messages.map((en) => ({ key: 'invalid_input' as const, params: { text: { vi: vietnameseOf(en), en } } }));
      out.push({ field, messages, keys });
    }
    if (e.children?.length) out.push(...fieldErrors(e.children, field));
  }
  return out;
}

/** The refusal of a payload that failed validation: the message names each bad field, details in `errors`. */
export function invalidPayload(errors: ValidationError[]): InvalidInput {
  const fields = fieldErrors(errors);
  const text = (pick: (en: string) => string) => fields.map((d) => d.messages.map(pick).join(', ')).join('; ');
  return new InvalidInput('invalid_input', { text: { vi: text(vietnameseOf), en: text((en) => en) } }, fields);
}

/**
 * The one validation mechanism at the edge: class-validator DTOs, unknown fields refused, the message
 * naming each bad field in the request's language (e.g. "“password” phải dài ít nhất 8 ký tự", or "password must
 * be longer than or equal to 8 characters"), details in `errors`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: invalidPayload,
  });
}

/** Normalises a string field to Unicode NFC (Vietnamese text arrives composed or decomposed). */
export function Nfc(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? value.normalize('NFC') : value));
}
