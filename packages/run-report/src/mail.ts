// The author mail: an RFC 5322 text/plain reply to the series' cover letter, built by nodemailer
// (headers, encoding, Message-ID) and written as a file; sent over SMTP only when asked to. The
// file's bytes are the bytes sent.
// The mailer and the two transports used, as nodemailer's createTransport() puts them together for
// these options: its entry point would also bundle the pool, sendmail, SES and JSON transports.
import type { SendMailOptions } from 'nodemailer';
import Mailer from 'nodemailer/lib/mailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport';
import StreamTransport from 'nodemailer/lib/stream-transport';
import type { Logger } from '@bpf-ci/logger';

export interface MailHeaders {
  from: string;
  to: string[];
  cc?: string[];
  /** The series' subject as the cover letter has it: "[PATCH bpf-next v3 0/9] ...". */
  seriesSubject: string;
  /** The cover letter's Message-ID (with or without angle brackets). */
  inReplyTo?: string;
  /** Earlier Message-IDs of the thread; the In-Reply-To id is appended when missing. */
  references?: string[];
}

export function replySubject(seriesSubject: string): string {
  const subject = seriesSubject.replace(/[\r\n]+\s*/g, ' ').trim();
  return /^re:/i.test(subject) ? subject : `Re: ${subject}`;
}

/** "<id@host>" whether or not the caller wrote the brackets; refuses ids that could break a header. */
export function messageId(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, '');
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(bare))
    throw new Error(
      `not a Message-ID: ${JSON.stringify(id)} (expected local@domain, e.g. <20250101.1234-1-a@b.org>)`,
    );
  return `<${bare}>`;
}

/** The whole message as RFC 5322 bytes. */
export async function composeMail(text: string, headers: MailHeaders): Promise<Buffer> {
  if (headers.to.length === 0) throw new Error('mail: no recipient (to)');
  const options: StreamTransport.Options = { streamTransport: true, buffer: true, newline: 'windows' };
  const composer = new Mailer(new StreamTransport(options), options);
  const references = (headers.references ?? []).map(messageId);
  const message: SendMailOptions = {
    from: headers.from,
    to: headers.to,
    subject: replySubject(headers.seriesSubject),
    text,
    // Mail readers wrap long lines of format=flowed text; 7bit/quoted-printable keeps the kernel lists happy.
    textEncoding: 'quoted-printable',
    headers: { 'X-Mailer': 'bpf-ci run-report' },
  };
  if (headers.cc && headers.cc.length > 0) message.cc = headers.cc;
  if (headers.inReplyTo) {
    const id = messageId(headers.inReplyTo);
    message.inReplyTo = id;
    if (!references.includes(id)) references.push(id);
  }
  if (references.length > 0) message.references = references;
  const info = (await composer.sendMail(message)) as unknown as { message: Buffer };
  return info.message;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** tls: TLS from the first byte (port 465); starttls: plain, then STARTTLS, required. */
  security: 'tls' | 'starttls';
  user?: string;
  password?: string;
  /** PEM of a CA to trust besides the system's (a private relay). */
  ca?: string;
}

/** Send a composed message as is. Credentials are never logged. */
export async function sendMail(
  raw: Buffer,
  envelope: { from: string; to: string[] },
  smtp: SmtpSettings,
  logger: Logger,
): Promise<{ messageId?: string; response: string }> {
  const options: SMTPTransport.Options = {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    ...(smtp.ca !== undefined ? { tls: { ca: smtp.ca } } : {}),
  };
  const transport = new Mailer(new SMTPTransport(options), options);
  try {
    logger.info(
      `Sending the report to ${envelope.to.length} recipient(s) via ${smtp.host}:${smtp.port} (${smtp.security})`,
    );
    const info = await transport.sendMail({ envelope, raw });
    const out: { messageId?: string; response: string } = { response: String(info.response) };
    if (info.messageId) out.messageId = info.messageId;
    return out;
  } finally {
    transport.close();
  }
}
