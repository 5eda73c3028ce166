import type { PromptItem } from '../protocol/call-settings';
import type { Prompt } from '../rules/rules-schema';
import type { CallContext } from './call-context';

/** The placeholders a TTS text may use. */
export const PROMPT_PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.|-]+)\s*\}\}/g;

/**
 * A prompt as playback items, in order, with `{{…}}` placeholders filled in:
 * `{{caller.last4}}`, `{{vars.NAME}}`, `{{vars.NAME|digits}}` (one digit at a time, as a card number is
 * read back) and `{{timeOfDay}}`. A placeholder with no value reads as nothing.
 */
export function renderPrompt(prompt: Prompt, ctx: CallContext | undefined): PromptItem[] {
  const list = Array.isArray(prompt) ? prompt : [prompt];
  return list.map((item) => {
    if (typeof item !== 'string' && 'audio' in item) return item;
    const text = typeof item === 'string' ? item : item.tts;
    return { tts: ctx === undefined || !text.includes('{{') ? text : fillPlaceholders(text, ctx) };
  });
}

function fillPlaceholders(text: string, ctx: CallContext): string {
  return text.replace(PROMPT_PLACEHOLDER, (_, expression: string) => {
    const [path = '', filter] = expression.split('|');
    const value = readPlaceholder(path, ctx);
    return filter === 'digits' ? value.split('').join(' ') : value;
  });
}

function readPlaceholder(path: string, ctx: CallContext): string {
  if (path === 'caller.last4') return ctx.caller.replace(/[^0-9]/g, '').slice(-4);
  if (path === 'timeOfDay') return describeTimeOfDay(ctx.local.hour);
  if (path.startsWith('vars.')) return ctx.vars[path.slice(5)] ?? '';
  return '';
}

/** How a Chinese greeting names the time of day. */
function describeTimeOfDay(hour: number): string {
  if (hour >= 5 && hour < 9) return '早上';
  if (hour >= 9 && hour < 11) return '上午';
  if (hour >= 11 && hour < 13) return '中午';
  if (hour >= 13 && hour < 18) return '下午';
  return '晚上';
}
