/**
 * The kinds of receipt record (话单 / 状态回执) the platform pushes. Each record type has its own URL in the
 * console and no type field, so the type is told from the fields. Read where receipts are taken
 * (shared/report) and where they are joined with a campaign's results (shared/campaign).
 */
export const RECEIPT_TYPES = ['VoiceReport', 'VoiceCallReport', 'VoiceRecordReport', 'unknown'] as const;
export type ReceiptType = (typeof RECEIPT_TYPES)[number];

/** Tells a record's type from its fields. */
export function classifyReceipt(record: Record<string, unknown>): ReceiptType {
  if ('record_file' in record) return 'VoiceRecordReport';
  if ('start_time' in record || 'smart_status_code' in record || 'hangup_direction' in record)
    return 'VoiceReport';
  if ('status_time' in record) return 'VoiceCallReport';
  return 'unknown';
}
