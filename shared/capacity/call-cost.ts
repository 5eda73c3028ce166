/**
 * What a function's calls cost on FC 3.0 at list prices, by its size: an active instance pays its vCPU
 * (1 CU a vCPU-second) and its memory (0.15 CU a GB-second) for as long as a request runs, and every
 * request 75 CU per 10,000; an idle provisioned instance pays its memory alone (idle vCPU is 0 CU).
 * Durations are taken as measured, without any rounding FC may apply to a billed duration.
 */
import { estimateIdleCost, MEMORY_CU_PER_GB_SECOND } from './warm-schedule';

/** CU per vCPU-second of an active instance. */
export const ACTIVE_CPU_CU_PER_VCPU_SECOND = 1;

/** CU per request: 75 per 10,000. */
export const CU_PER_INVOCATION = 75 / 10_000;

/** A function's size as s.yaml sets it: vCPU and MB. */
export type InstanceSize = { readonly cpu: number; readonly memoryMb: number };

/** The CU an instance of `size` pays for `seconds` of activity (no request fee). */
export function activeCu(size: InstanceSize, seconds: number): number {
  return (
    seconds * (size.cpu * ACTIVE_CPU_CU_PER_VCPU_SECOND + (size.memoryMb / 1024) * MEMORY_CU_PER_GB_SECOND)
  );
}

/** The cost of a million requests lasting `meanSeconds` each, fees included, at `pricePerCu`. */
export function costPerMillionRequests(size: InstanceSize, meanSeconds: number, pricePerCu: number): number {
  return 1_000_000 * (activeCu(size, meanSeconds) + CU_PER_INVOCATION) * pricePerCu;
}

/** The cost of one idle provisioned instance of `size` for an hour, at `pricePerCu`. */
export function idleInstanceHourCost(size: InstanceSize, pricePerCu: number): number {
  return estimateIdleCost(60, {
    memoryMb: size.memoryMb,
    pricePerCu,
    cuPerGbSecond: MEMORY_CU_PER_GB_SECOND,
  });
}
