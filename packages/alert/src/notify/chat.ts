import { title, type TemplateData } from './message.js';

type DataAlert = TemplateData['alerts'][number];

/** Alerts listed one by one in a chat message; the rest are counted ("and 3 more"). */
const LISTED = 20;

/** What a person reads about one alert: its name, its other labels, its summary (or description), since when. */
function describe(a: DataAlert, esc: (s: string) => string, bold: (s: string) => string): string {
  const others = Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${v}`).join(' ');
  const text = a.annotations.summary ?? a.annotations.description ?? '';
  const when = a.status === 'firing' ? `since ${a.startsAt}` : `resolved ${a.endsAt}`;
  return `${bold(esc(a.labels.alertname ?? ''))}${others === '' ? '' : ` ${esc(others)}`}${text === '' ? '' : ` — ${esc(text)}`} (${when})`;
}

function listed(d: TemplateData, line: (a: DataAlert) => string): string[] {
  const lines = d.alerts.slice(0, LISTED).map((a) => `• ${line(a)}`);
  if (d.alerts.length > LISTED) lines.push(`…and ${d.alerts.length - LISTED} more`);
  return lines;
}

/** Slack's mrkdwn reserves &, < and > (links, mentions); everything else is literal. */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A Slack incoming-webhook body: `text` (the notification's title, which Slack shows in
 * notifications and where blocks cannot be rendered) and `blocks`: the title, then the alerts.
 * Mattermost and Rocket.Chat show its text (they ignore blocks).
 */
export function slackMessage(d: TemplateData): { text: string; blocks: unknown[] } {
  const head = title(d);
  // A section's text holds at most 3,000 characters.
  const body = listed(d, (a) => describe(a, slackEscape, (s) => `*${s}*`)).join('\n').slice(0, 3000);
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(head)}*` } },
    { type: 'section', text: { type: 'mrkdwn', text: body } },
  ];
  if (d.externalURL !== '') blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${d.externalURL}|daybook>` }] });
  return { text: head, blocks };
}

const htmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Telegram's limit on a message's text. */
const TELEGRAM_MAX = 4096;

/**
 * A Telegram Bot API `sendMessage` body (POST https://api.telegram.org/bot<token>/sendMessage):
 * `chat_id`, `text` in Telegram's HTML mode (Alertmanager's telegram notifier's default
 * parse_mode), link previews off.
 */
export function telegramMessage(d: TemplateData, chatId: string): { chat_id: string; text: string; parse_mode: 'HTML'; disable_web_page_preview: true } {
  const lines = [`<b>${htmlEscape(title(d))}</b>`, '', ...listed(d, (a) => describe(a, htmlEscape, (s) => `<b>${s}</b>`))];
  let text = lines.join('\n');
  // Cut at a line, never inside a tag or an entity.
  while (text.length > TELEGRAM_MAX && lines.length > 1) {
    lines.pop();
    text = [...lines, '…'].join('\n');
  }
  return { chat_id: chatId, text, parse_mode: 'HTML', disable_web_page_preview: true };
}
