/**
 * Who answers the classifications of the simulator's function instances (`FunctionHost.classify`): never
 * the network, unless the user sends them to a stand-in on this machine.
 * - {@link ScriptedClassifier}: a scenario's answers (or those typed at the prompt), played as the
 *   classifier client plays them: a verdict read by the client's own reader (a choice the menu did not
 *   offer is `off-list`), a timeout after the whole wait, and the instance's budget guard judging them all
 *   on the simulator's clock (it turns the classifier off, `guard-off`, as a deployed instance would);
 * - {@link ReplayedClassifier}: a logged call's classifications, answered with what its log lines say;
 * - {@link ForwardedClassifier}: the instance's own client, sent to a loopback endpoint with a key.
 * None throws: what could not be answered is reported ({@link ClassifyReport}) and answered `unsendable`.
 */
import { type BudgetGuard, createBudgetGuard, describeGuardStatus } from '../../shared/classify/budget-guard';
import {
  CLASSIFY_FAILURES,
  type ClassifyAnswer,
  type ClassifyRequest,
  type ClassifyTask,
  failedClassification,
  NO_CHOICE,
  type PerformClassify,
} from '../../shared/classify/classify-types';
import { readVerdict } from '../../shared/classify/read-verdict';
import { isLoopbackHost } from '../../shared/lookup/prepare-request';
import type { LoggedClassified } from './call';
import type { ScriptedClassification } from './classify-script';
import { type DeskReport, describeThrown, Reporter } from './desk-report';
import { printable } from './printable';

/** What became of the classification of one callback that the simulator must show or check. */
export type ClassifyReport = DeskReport<ClassifyRequest>;

/** The simulator's side of the instances' classifications. */
export type ClassifyDesk = {
  /** The instances' classifications (`FunctionHost.classify`): given the instance's own client, what performs them. */
  readonly standIn: (client: PerformClassify) => PerformClassify;
  /** What the classifications of the callbacks since the last report came to; starts the next report. */
  readonly takeReport: () => ClassifyReport;
  /**
   * Answers the classification the last callback left unanswered, where the desk can ask (at the prompt):
   * true when it did, and the callback should be sent again to use the answer.
   */
  readonly answerUnanswered?: () => Promise<boolean>;
  /** The instances' wall clock (the simulator's), for what the desk times: the budget guard. */
  readonly useClock?: (now: () => number) => void;
};

const failed = failedClassification;

// --------------------------------------------------------------------------------------------------
// Scripted
// --------------------------------------------------------------------------------------------------

/**
 * What the client answers `task` with when the model answers `answer`: a verdict read by the client's own
 * reader among the choices offered; a timeout after the whole wait (the attempt's time limit, as the client
 * sets it); a 429 as `rate-limited`; any other failure at once.
 */
function playAnswer(answer: ScriptedClassification, task: ClassifyTask): ClassifyAnswer {
  if (answer.kind === 'failed') {
    if (answer.why === 'timeout') return failed('timeout', Math.max(1, task.waitMs));
    return failed(answer.why, 0, answer.why === 'rate-limited' ? 429 : undefined);
  }
  const content = JSON.stringify({ choice: answer.choice, confidence: answer.confidence });
  const verdict = readVerdict(
    { choices: [{ message: { content } }] },
    new Set(task.request.choices.map((choice) => choice.id)),
  );
  if (!verdict.ok) return failed(verdict.why, 0);
  return {
    type: 'classify',
    kind: 'classified',
    choice: verdict.choice,
    confidence: verdict.confidence,
    ms: 0,
  };
}

/**
 * Classifications answered from a script, played as the classifier client plays them on one function
 * instance (see {@link playAnswer}), under that instance's budget guard, on the simulator's clock: a
 * failure that the client would meet before sending (`unsendable`, `guard-off`) is not judged by it, and
 * once it trips every classification is `guard-off` until its cooldown has passed on the call's clock.
 * A scenario's answer holds from the turn that scripts it on ({@link script}); one typed at the prompt
 * answers the next classification only ({@link scriptNext}).
 */
export class ScriptedClassifier implements ClassifyDesk {
  readonly #report = new Reporter<ClassifyRequest>();
  readonly #guards = new Map<string, BudgetGuard>();
  #answer: ScriptedClassification | undefined;
  #next: ScriptedClassification | undefined;
  #nextUsed = false;
  #now: () => number = () => 0;
  /** Asks for the answer of a classification nothing scripted (at the prompt); undefined: none is given. */
  ask: ((request: ClassifyRequest) => Promise<ScriptedClassification | undefined>) | undefined;

  readonly useClock = (now: () => number): void => {
    this.#now = now;
  };

  /** A new call on a new instance: this answer (or none), the guard on. */
  startCall(answer?: ScriptedClassification): void {
    this.#answer = answer;
    this.#next = undefined;
    this.#nextUsed = false;
    this.#guards.clear();
  }

  /** How the classifier answers from now on, in this call. */
  script(answer: ScriptedClassification): void {
    this.#answer = answer;
  }

  /** How it answers the next classification only (a callback sent again gets the same). */
  scriptNext(answer: ScriptedClassification): void {
    this.#next = answer;
    this.#nextUsed = false;
  }

  /** The next event reaches another instance: a guard of its own, on. */
  moveToNewInstance(): void {
    this.#guards.clear();
  }

  readonly takeReport = (): ClassifyReport => {
    if (this.#nextUsed) {
      this.#next = undefined;
      this.#nextUsed = false;
    }
    return this.#report.take();
  };

  /** The instance's client is never used: nothing is sent. */
  readonly standIn =
    (_client: PerformClassify): PerformClassify =>
    (task) =>
      Promise.resolve(this.#perform(task));

  readonly answerUnanswered = async (): Promise<boolean> => {
    const [request] = this.#report.unanswered;
    if (request === undefined || this.ask === undefined) return false;
    const answer = await this.ask(request);
    if (answer === undefined) return false;
    this.scriptNext(answer);
    this.#report.take();
    return true;
  };

  #perform(task: ClassifyTask): ClassifyAnswer {
    const answer = this.#next ?? this.#answer;
    if (answer === undefined) {
      this.#report.unanswered.push(task.request);
      return failed('unsendable', 0);
    }
    if (this.#next !== undefined) this.#nextUsed = true;
    // What the client answers before it sends (no key, the guard off) is not a call the guard judges.
    if (answer.kind === 'failed' && (answer.why === 'unsendable' || answer.why === 'guard-off'))
      return failed(answer.why, 0);
    const guard = this.#guardFor(task);
    if (!guard.admit().ok) return failed('guard-off', 0);
    const played = playAnswer(answer, task);
    const change = guard.record({ ok: played.kind === 'classified', ms: played.ms });
    if (change !== undefined) task.onGuardChange?.(change, describeGuardStatus(guard.status()));
    return played;
  }

  /** The guard of the task's endpoint, model and limits, as the client keeps one per instance. */
  #guardFor(task: ClassifyTask): BudgetGuard {
    const key = JSON.stringify([task.request.endpoint, task.request.model, task.guard]);
    let guard = this.#guards.get(key);
    if (guard === undefined) {
      guard = createBudgetGuard(task.guard, () => this.#now());
      this.#guards.set(key, guard);
    }
    return guard;
  }
}

// --------------------------------------------------------------------------------------------------
// Replayed
// --------------------------------------------------------------------------------------------------

/**
 * A replayed call's classifications, answered with what the log says the model answered on that turn:
 * nothing is sent. A verdict is read again among the choices the menu offers now (one it no longer offers
 * is `off-list`, as the client would say, and not re-derivable: offered other choices, the model might
 * have chosen otherwise); a failure is the same failure. A classification the logged turn did not make is
 * answered `unsendable`, and the turn is marked not re-derivable.
 */
export class ReplayedClassifier implements ClassifyDesk {
  readonly #report = new Reporter<ClassifyRequest>();
  #logged: LoggedClassified | undefined;

  /** The classification of the turn about to be replayed, as its log line records it (if it made one). */
  feed(logged: LoggedClassified | undefined): void {
    this.#logged = logged;
  }

  readonly takeReport = (): ClassifyReport => this.#report.take();

  /** The instance's client is never used: nothing is sent. */
  readonly standIn =
    (_client: PerformClassify): PerformClassify =>
    (task) =>
      Promise.resolve(this.#perform(task));

  #perform(task: ClassifyTask): ClassifyAnswer {
    const logged = this.#logged;
    this.#logged = undefined;
    if (logged === undefined) {
      this.#report.underive(
        'the classifier was not asked on this turn of the logged call: answered as failed (unsendable), not re-derivable',
      );
      return failed('unsendable', 0);
    }
    const { choice, confidence, ms } = logged;
    if (choice !== undefined && confidence !== undefined) {
      const offered = choice === NO_CHOICE || task.request.choices.some((option) => option.id === choice);
      if (offered) {
        const usage =
          logged.promptTokens === undefined || logged.completionTokens === undefined
            ? {}
            : { usage: { promptTokens: logged.promptTokens, completionTokens: logged.completionTokens } };
        return { type: 'classify', kind: 'classified', choice, confidence, ms, ...usage };
      }
      if (logged.why !== 'off-list')
        this.#report.underive(
          `the classifier chose ${printable(choice)} in the logged call, which this menu does not offer under these rules: answered as the client would (failed off-list), not re-derivable`,
        );
      return failed('off-list', ms);
    }
    const why = CLASSIFY_FAILURES.find((word) => word === logged.why);
    if (why !== undefined) return failed(why, ms);
    this.#report.underive(
      `the classifier failed in the log for a reason this replay does not know (${printable(logged.why ?? '')}): replayed as unsendable, not re-derivable`,
    );
    return failed('unsendable', ms);
  }
}

// --------------------------------------------------------------------------------------------------
// Forwarded
// --------------------------------------------------------------------------------------------------

/**
 * `--classifier`: the instance's own classifier client, with the document's endpoint replaced by
 * `endpoint` (a stand-in on this machine) and the variable of its API key taken as set to `key`; no other
 * variable is read (the process's own `LLM_` keys never reach the stand-in).
 */
export class ForwardedClassifier implements ClassifyDesk {
  readonly #report = new Reporter<ClassifyRequest>();

  constructor(
    private readonly endpoint: URL,
    private readonly key: string,
  ) {
    if (!isLoopbackHost(endpoint.hostname)) throw new RangeError(`${endpoint.origin} is not this machine`);
  }

  readonly takeReport = (): ClassifyReport => this.#report.take();

  readonly standIn =
    (client: PerformClassify): PerformClassify =>
    async (task) => {
      const { apiKeyEnv } = task.request;
      try {
        return await client({
          ...task,
          request: { ...task.request, endpoint: this.endpoint.href.replace(/\/+$/, '') },
          env: (name) => (name === apiKeyEnv ? this.key : undefined),
        });
      } catch (error) {
        this.#report.notes.push(
          `the functions' classifier client did not run (${printable(describeThrown(error))}): answered as failed (unsendable)`,
        );
        return failed('unsendable', 0);
      }
    };
}
