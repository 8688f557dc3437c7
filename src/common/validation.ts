import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';

function flatten(errors: ValidationError[], parent = ''): { field: string; messages: string[] }[] {
  const out: { field: string; messages: string[] }[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) {
      const messages = Object.values(e.constraints).map((m) => (parent ? m.replace(e.property, field) : m));
      out.push({ field, messages });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
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
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: details.map((d) => d.messages.join(', ')).join('; ') || 'invalid input',
        errors: details,
      });
    },
  });
}

/** Normalises a string field to Unicode NFC (Vietnamese text arrives composed or decomposed). */
export function Nfc(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? value.normalize('NFC') : value));
}
