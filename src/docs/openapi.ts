import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The HTTP contract as the controllers and DTOs declare it: served at /docs-json and checked in as docs/openapi.json. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('NTM Workflow')
      .setDescription(
        'Village certification and fund approval for the New Rural Development programme (Nông thôn mới). ' +
          'Every error has the shape { statusCode, error, message, ...details }; `message` and `errors[].messages` ' +
          'are in Vietnamese unless the Accept-Language header puts English first (`Accept-Language: en`). ' +
          'The `rule` codes and field names are the same in both languages.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
}

/** A document as text with its keys in a stable order, so that the checked-in file changes only with the contract. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}
