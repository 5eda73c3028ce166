import type { RulesInput } from '../../shared/rules/rules-schema';

/**
 * A hotline with the second edition's constructs: document handlers (an agent, repeat, back to the
 * main menu), an identity check run as a subflow from two places, a PIN entry that hears no handler.
 */
export const HOTLINE = {
  version: 'second-edition',
  defaultLine: { flow: 'main' },
  handlers: [
    { name: 'agent', keywords: ['人工'], excludes: ['不要人工'], keys: ['0'], flow: 'main', goto: 'agent' },
    { name: 'repeat', keywords: ['再说一遍'], do: 'repeat' },
    { name: 'mainMenu', keywords: ['主菜单'], do: 'restart' },
  ],
  flows: {
    main: {
      start: 'welcome',
      nodes: {
        welcome: { type: 'say', say: '欢迎。', next: 'menu' },
        menu: {
          type: 'menu',
          say: '挂失请按1，余额请按2。',
          keys: { '1': 'lostCheck', '2': 'balanceCheck' },
          intents: [
            { name: 'lost', keywords: ['挂失'], excludes: ['不是挂失'], goto: 'lostCheck' },
            { name: 'balance', keywords: ['余额'], goto: 'balanceCheck' },
          ],
        },
        lostCheck: { type: 'subflow', flow: 'identity', next: 'lostDone', exits: { failed: 'agent' } },
        lostDone: { type: 'say', say: '尾号{{vars.card|digits}}已挂失。', next: 'menu' },
        balanceCheck: { type: 'subflow', flow: 'identity', next: 'balanceDone', exits: { failed: 'agent' } },
        balanceDone: { type: 'hangup', say: '余额充足，再见。' },
        agent: { type: 'transfer', say: '正在转接。', to: '05925550101' },
      },
    },
    identity: {
      start: 'askCard',
      nodes: {
        askCard: {
          type: 'collect',
          say: '请输入卡号后4位。',
          saveAs: 'card',
          minDigits: 4,
          maxDigits: 4,
          scope: 'call',
          next: 'askPin',
          noInput: { retries: 0, escalateTo: 'failed' },
        },
        askPin: {
          type: 'collect',
          say: '请输入6位密码。',
          saveAs: 'pin',
          minDigits: 6,
          maxDigits: 6,
          sensitive: true,
          handlers: false,
          next: 'verified',
          noMatch: { retries: 0, escalateTo: 'failed' },
        },
        verified: { type: 'return', say: '验证通过。' },
        failed: { type: 'return', exit: 'failed' },
      },
    },
  },
} satisfies RulesInput;
