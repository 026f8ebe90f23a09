// Delivery of a rendered report, each channel opt-in: the PR comment (which also holds the series'
// last reported verdict), the mail (sent only when that verdict flipped between passing and
// failing), and Patchwork checks. The texts are always files; delivery never decides their content.
import type { Logger } from '@bpf-ci/logger';
import type { Verdict } from './analyze.ts';
import { composeMail, sendMail, type MailHeaders, type SmtpSettings } from './mail.ts';
import { verdictChanged } from './marker.ts';
import { postChecks, type CheckPayload, type PatchworkApi, type PostedCheck } from './patchwork.ts';
import {
  upsertReportComment,
  type CommentOutcome,
  type CommentTarget,
  type GitHubClient,
} from './pr-comment.ts';

export interface DeliveryRequest {
  verdict: Verdict;
  /** The PR comment's Markdown (the marker is added). */
  markdown: string;
  /** The mail's text/plain body. */
  text: string;
  comment?: { client: GitHubClient; target: CommentTarget };
  /**
   * Mail: always composed (the file); sent when `smtp` is given and the verdict changed. Without
   * a PR comment to read the last verdict from, `previousVerdict` may be passed in.
   */
  mail?: { headers: MailHeaders; smtp?: SmtpSettings; previousVerdict?: Verdict };
  patchwork?: { api: PatchworkApi; patches: number[]; checks: CheckPayload[] };
}

export interface DeliveryResult {
  comment?: CommentOutcome;
  previousVerdict?: Verdict;
  /** The composed mail (written to a file by the caller), when mail was asked for. */
  mail?: Buffer;
  mailSent: boolean;
  /** Why the mail was or was not sent, in words for the log and the summary. */
  mailReason?: string;
  checks?: PostedCheck[];
}

export async function deliverReport(request: DeliveryRequest, logger: Logger): Promise<DeliveryResult> {
  const result: DeliveryResult = { mailSent: false };
  let previous = request.mail?.previousVerdict;
  if (request.comment) {
    // The comment's marker held the last verdict; the outcome carries it from before the update.
    result.comment = await upsertReportComment(
      request.comment.client,
      request.comment.target,
      request.markdown,
      request.verdict,
      logger,
    );
    if (result.comment.previousVerdict) previous = result.comment.previousVerdict;
  }
  if (previous !== undefined) result.previousVerdict = previous;
  if (request.mail) {
    result.mail = await composeMail(request.text, request.mail.headers);
    const changed = verdictChanged(previous, request.verdict);
    const was = previous ?? 'not reported before';
    if (!request.mail.smtp) result.mailReason = 'mail written as a file only (no SMTP server configured)';
    else if (!changed)
      result.mailReason = `mail not sent: the series' verdict did not change (${was} → ${request.verdict})`;
    else {
      const { headers } = request.mail;
      await sendMail(
        result.mail,
        { from: headers.from, to: [...headers.to, ...(headers.cc ?? [])] },
        request.mail.smtp,
        logger,
      );
      result.mailSent = true;
      result.mailReason = `mail sent: the series' verdict changed (${was} → ${request.verdict})`;
    }
    logger.info(result.mailReason);
  }
  if (request.patchwork)
    result.checks = await postChecks(
      request.patchwork.api,
      request.patchwork.patches,
      request.patchwork.checks,
      logger,
    );
  return result;
}
