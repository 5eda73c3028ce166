import type { Rules } from './rules-schema';

/**
 * The hotline used when no rules are configured, so that a fresh deployment or `npm start` answers real
 * calls: a greeting, a menu by key or by keyword, a transfer to an agent and a goodbye. The agent
 * number is a placeholder; a real hotline writes its own rules document.
 *
 * Written as the schema's output (defaults filled in), so that an instance serving it compiles it
 * without validating it: a cold start saves the validation, and a test checks that validating it
 * changes nothing.
 */
const AGENT_WORDS = ['人工', '客服', '转接', '真人'];
const BYE_WORDS = ['再见', '没有了', '不用了', '挂了'];

export const DEFAULT_RULES = {
  version: 'default-1',
  timezone: 'Asia/Shanghai',
  settings: {
    asrBaseId: 'customer_service_8k',
    record: true,
    muteTimeMs: 6000,
    pauseTimeMs: 800,
    sessionTimeoutS: 900,
    tts: { voice: 'xiaoyun', volume: 50, speed: 0 },
    bargeIn: true,
  },
  noHolidayData: 'weekly',
  defaultLine: { flow: 'hotline' },
  recovery: '抱歉，刚才没有跟上，我们回到主菜单。',
  fallback: { say: '抱歉，系统暂时繁忙，请稍后再拨。' },
  flows: {
    hotline: {
      start: 'welcome',
      noInput: { retries: 2, say: ['抱歉，我没有听到您的声音。', '您还在吗？'], escalateTo: 'goodbye' },
      noMatch: { retries: 2, say: ['抱歉，我没有听懂。', '还是没有听懂，请按键选择。'], escalateTo: 'agent' },
      goodbye: '感谢您的来电，再见。',
      maxTurns: 30,
      nodes: {
        welcome: { type: 'say', say: '您好，欢迎致电客户服务热线。', next: 'menu' },
        menu: {
          type: 'menu',
          say: '查询营业时间请按1或说「查询」，转人工服务请按0或说「人工」，结束通话请按9或说「再见」。',
          keys: { '1': 'hours', '0': 'agent', '9': 'goodbye' },
          intents: [
            { name: 'hours', keywords: ['查询', '营业', '时间', '几点'], goto: 'hours' },
            { name: 'agent', keywords: AGENT_WORDS, goto: 'agent' },
            { name: 'bye', keywords: BYE_WORDS, goto: 'goodbye' },
          ],
        },
        hours: { type: 'say', say: '我们的服务时间是每天早上九点到晚上六点。', next: 'more' },
        more: {
          type: 'menu',
          say: '返回主菜单请按1，转人工服务请按0，结束通话请按9。',
          keys: { '1': 'menu', '0': 'agent', '9': 'goodbye' },
          intents: [
            { name: 'menu', keywords: ['主菜单', '返回', '重听'], goto: 'menu' },
            { name: 'agent', keywords: AGENT_WORDS, goto: 'agent' },
            { name: 'bye', keywords: BYE_WORDS, goto: 'goodbye' },
          ],
          noInput: { retries: 1, escalateTo: 'goodbye' },
        },
        agent: { type: 'transfer', say: '正在为您转接人工服务，请稍候。', to: '4000000000' },
        goodbye: { type: 'hangup', say: '感谢您的来电，再见。' },
      },
    },
  },
} satisfies Rules;
