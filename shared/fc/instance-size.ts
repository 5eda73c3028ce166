/**
 * The size of a Function Compute 3.0 instance: its `cpu` (vCPU) and `memorySize` (MB), and the rules FC
 * holds them to. The fc3 component's schema checks only part of them (`cpu` a number from 0.05 to 16,
 * `memorySize` an integer multiple of 64 from 128 to 32,768, `diskSize` 512 or 10,240); the step of
 * 0.05 vCPU and the ratio of 1:1 to 1:4 between vCPU and GB rest on FC's documentation, and FC itself
 * refuses a pair outside them at deploy time. Checking here lets `deploy:check` say so before.
 */

/** FC 3.0's limits on a CPU instance's size. */
export const FC_SIZE_LIMITS = {
  cpuMin: 0.05,
  cpuMax: 16,
  cpuStep: 0.05,
  memoryMinMb: 128,
  memoryMaxMb: 32_768,
  memoryStepMb: 64,
  /** GB of memory per vCPU: at least 1 (1:1), at most 4 (1:4). */
  gbPerCpuMin: 1,
  gbPerCpuMax: 4,
  diskSizesMb: [512, 10_240],
} as const;

/** Whether `value` is a whole number of `step`s, allowing for the error of binary fractions. */
function isMultipleOf(value: number, step: number): boolean {
  const steps = value / step;
  return Math.abs(steps - Math.round(steps)) < 1e-9;
}

/**
 * What is wrong with a function's `cpu`, `memorySize` and `diskSize` as s.yaml gives them (any value,
 * as read), each problem a sentence naming `fn`; empty when FC accepts them. A missing `cpu` or
 * `diskSize` is no problem here (FC picks one); {@link describeMissingCpu} says what that means. Nor is a
 * `cpu` or `memorySize` that `s` computes (`${…}`): its value is only known once rendered.
 */
export function checkInstanceSize(
  fn: string,
  props: { readonly cpu?: unknown; readonly memorySize?: unknown; readonly diskSize?: unknown },
): string[] {
  const L = FC_SIZE_LIMITS;
  const problems: string[] = [];
  // A value `s` computes (`${env('MEMORY', '256') * 1}`) is only known once rendered: it, and the ratio
  // it takes part in, are not checked here; the other values are.
  const computedCpu = isComputed(props.cpu);
  const computedMemory = isComputed(props.memorySize);
  const { cpu, memorySize, diskSize } = props;
  const memoryOk =
    typeof memorySize === 'number' &&
    Number.isInteger(memorySize) &&
    memorySize >= L.memoryMinMb &&
    memorySize <= L.memoryMaxMb &&
    memorySize % L.memoryStepMb === 0;
  if (!memoryOk && !computedMemory)
    problems.push(
      memorySize === undefined
        ? `${fn}: memorySize is missing: give it with cpu, a multiple of ${L.memoryStepMb} MB from ${L.memoryMinMb} to ${L.memoryMaxMb}`
        : typeof memorySize !== 'number'
          ? `${fn}: memorySize ${printableValue(memorySize)} is not a number (write it unquoted)`
          : `${fn}: memorySize ${memorySize} is not a multiple of ${L.memoryStepMb} MB from ${L.memoryMinMb} to ${L.memoryMaxMb}`,
    );
  const cpuOk =
    typeof cpu === 'number' &&
    Number.isFinite(cpu) &&
    cpu >= L.cpuMin - 1e-9 &&
    cpu <= L.cpuMax + 1e-9 &&
    isMultipleOf(cpu, L.cpuStep);
  if (cpu !== undefined && !cpuOk && !computedCpu)
    problems.push(
      typeof cpu !== 'number'
        ? `${fn}: cpu ${printableValue(cpu)} is not a number (write it unquoted)`
        : `${fn}: cpu ${cpu} is not a multiple of ${L.cpuStep} vCPU from ${L.cpuMin} to ${L.cpuMax}`,
    );
  if (memoryOk && cpuOk) {
    const range = cpuRangeFor(memorySize);
    const gbPerCpu = memorySize / 1024 / cpu;
    if (gbPerCpu < L.gbPerCpuMin - 1e-9 || gbPerCpu > L.gbPerCpuMax + 1e-9)
      problems.push(
        `${fn}: cpu ${cpu} with memorySize ${memorySize} is outside FC's ratio of 1 to 4 GB a vCPU` +
          (range === undefined
            ? ''
            : `: with ${memorySize} MB, cpu ${range.min}–${range.max}; with cpu ${cpu}, memorySize ${memoryRangeFor(cpu).min}–${memoryRangeFor(cpu).max}`),
      );
  }
  if (diskSize !== undefined && !(L.diskSizesMb as readonly unknown[]).includes(diskSize))
    problems.push(`${fn}: diskSize ${String(diskSize)} is neither 512 nor 10240`);
  return problems;
}

/** Whether s.yaml gives a value as an expression `s` renders (`${…}`). */
function isComputed(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

/** A value from s.yaml in a message: JSON, cut short. */
function printableValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** Rounds to the step's hundredths, so that 0.1 + 0.05 prints as 0.15. */
const tidy = (n: number) => Math.round(n * 100) / 100;

/**
 * The cpu values FC allows with `memoryMb` (whole steps of 0.05 within the ratio), or undefined when FC
 * takes no such memory size.
 */
export function cpuRangeFor(memoryMb: number): { min: number; max: number } | undefined {
  const L = FC_SIZE_LIMITS;
  if (memoryMb < L.memoryMinMb || memoryMb > L.memoryMaxMb) return undefined;
  const gb = memoryMb / 1024;
  const min = Math.max(L.cpuMin, Math.ceil(tidy(gb / L.gbPerCpuMax / L.cpuStep) - 1e-9) * L.cpuStep);
  const max = Math.min(L.cpuMax, Math.floor(tidy(gb / L.gbPerCpuMin / L.cpuStep) + 1e-9) * L.cpuStep);
  return min > max + 1e-9 ? undefined : { min: tidy(min), max: tidy(max) };
}

/** The memorySize values (MB, whole steps of 64) FC allows with `cpu`. */
export function memoryRangeFor(cpu: number): { min: number; max: number } {
  const L = FC_SIZE_LIMITS;
  const step = L.memoryStepMb;
  const min = Math.max(L.memoryMinMb, Math.ceil((cpu * L.gbPerCpuMin * 1024) / step - 1e-9) * step);
  const max = Math.min(L.memoryMaxMb, Math.floor((cpu * L.gbPerCpuMax * 1024) / step + 1e-9) * step);
  return { min, max };
}

/** The warning for a function whose s.yaml gives `memorySize` but no `cpu`. */
export function describeMissingCpu(fn: string, memorySize: unknown): string {
  const range = typeof memorySize === 'number' ? cpuRangeFor(memorySize) : undefined;
  return (
    `${fn}: no cpu: FC picks a vCPU share of its own for memorySize ${String(memorySize)}` +
    (range === undefined ? '' : ` (it allows ${range.min}–${range.max})`) +
    ', which decides how long a cold start makes a caller wait: set cpu (docs/operating.md, "Sizing")'
  );
}
