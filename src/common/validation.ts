import { ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { InvalidInput, type FieldError } from './errors.js';

/** Every constraint a class-validator error names, field by field ("items.0.code"), children included. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) {
      const messages = Object.values(e.constraints).map((m) => (parent ? m.replace(e.property, field) : m));
      out.push({ field, messages });
    }
    if (e.children?.length) out.push(...fieldErrors(e.children, field));
  }
  return out;
}

/** The refusal of a payload that failed validation: the message names each bad field, details in `errors`. */
export function invalidPayload(errors: ValidationError[]): InvalidInput {
  const fields = fieldErrors(errors);
  return new InvalidInput('invalid_input', { text: fields.map((d) => d.messages.join(', ')).join('; ') }, fields);
}

/**
 * The one validation mechanism at the edge: class-validator DTOs, unknown fields refused, the message
 * naming each bad field (e.g. "password must be longer than or equal to 8 characters"), details in `errors`.
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
