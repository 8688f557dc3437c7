import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import type { AppConfig } from '../config/config.js';

/** One rendered message to one recipient. */
export interface OutgoingMail {
  /** `<...>`, fixed per delivery row: the same message gets the same id on every attempt. */
  messageId: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  /** The server's reply (SMTP) or where the file was written. */
  response: string;
}

/**
 * Where messages go: SMTP (pooled) or `.eml` files. The notify job owns retries (BullMQ's backoff), so a
 * transport tries each message once.
 */
export abstract class MailTransport {
  abstract readonly kind: 'smtp' | 'file';
  abstract send(mail: OutgoingMail): Promise<SentMail>;
  /**
   * Whether the message with this id was delivered, for a delivery whose worker stopped between the send and
   * recording it: true or false where the transport can tell (a file exists or not), null where it cannot
   * (an SMTP server keeps no record the client can ask for).
   */
  abstract delivered(messageId: string): Promise<boolean | null>;
  abstract close(): Promise<void>;
}

/** Whether retrying can help: a 5xx reply or a message the server or nodemailer refuses as such will fail again. */
export function isPermanentSendError(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e?.responseCode === 'number') return e.responseCode >= 500;
  return e?.code === 'EENVELOPE' || e?.code === 'EMESSAGE';
}

/** The SMTP error text worth keeping in the delivery log (nodemailer's message already has the server's reply). */
export function sendErrorText(err: unknown): string {
  const e = err as { message?: string; code?: string; responseCode?: number };
  const text = e?.message ?? String(err);
  return (e?.code && !text.includes(e.code) ? `${e.code}: ${text}` : text).slice(0, 1000);
}

/** A Message-ID as a file name: `<a.b@host>` → `a.b@host`, anything unusual replaced. */
export function messageFileName(messageId: string): string {
  return `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}

export class SmtpMailTransport extends MailTransport {
  readonly kind = 'smtp';
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    options: { maxConnections?: number } = {},
  ) {
    super();
    this.transporter = createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: options.maxConnections ?? 8,
      maxMessages: 1000,
      // The pool would otherwise send a message again by itself when its connection closes mid-send,
      // outside the delivery log; the notify job decides about every retry.
      maxRequeues: 0,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    });
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    const info = await this.transporter.sendMail(mailOptions(this.from, mail));
    return { messageId: info.messageId ?? mail.messageId, response: String(info.response ?? '') };
  }

  async delivered(): Promise<boolean | null> {
    return null;
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/** The message as nodemailer takes it, the same for every transport. */
function mailOptions(from: string, mail: OutgoingMail) {
  return { from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId, headers: mail.headers };
}

/**
 * Writes each message as `<message id>.eml` under STORAGE_DIR/mail (written to a temporary name, then renamed,
 * so a file that exists is whole). The file name is the Message-ID, so a message is written at most once
 * and `delivered()` can tell.
 */
export class FileMailTransport extends MailTransport {
  readonly kind = 'file';
  private readonly transporter: Transporter;
  private ready?: Promise<unknown>;

  constructor(
    readonly dir: string,
    private readonly from: string,
  ) {
    super();
    this.transporter = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const file = join(this.dir, messageFileName(mail.messageId));
    if (existsSync(file)) return { messageId: mail.messageId, response: `already written ${file}` };
    const info = await this.transporter.sendMail(mailOptions(this.from, mail));
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, info.message as Buffer);
    await rename(tmp, file);
    return { messageId: mail.messageId, response: `written ${file}` };
  }

  async delivered(messageId: string): Promise<boolean> {
    return existsSync(join(this.dir, messageFileName(messageId)));
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/** The transport MAIL_TRANSPORT names: `smtp` to SMTP_URL, or `file` (the default) under STORAGE_DIR/mail. */
export function createMailTransport(config: AppConfig): MailTransport {
  if (config.mail.transport === 'smtp') {
    if (!config.mail.smtpUrl) throw new Error('SMTP_URL is required when MAIL_TRANSPORT=smtp');
    return new SmtpMailTransport(config.mail.smtpUrl, config.mail.from);
  }
  const dir = resolve(config.storageDir, 'mail');
  new Logger('Notifications').log(`MAIL_TRANSPORT=file: messages are written under ${dir}`);
  return new FileMailTransport(dir, config.mail.from);
}
