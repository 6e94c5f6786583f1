/**
 * RFC 3339 timestamps as ASL reads them, without the `Date` global (language/ takes time as an
 * input). Used by the Choice `Timestamp*` operators and by the Wait state.
 *
 * ASL spec "Timestamps" and AWS state-choice / state-wait: a timestamp "must conform to the
 * RFC3339 profile of ISO 8601, with the further restrictions that an uppercase T must separate
 * the date and time portions, and an uppercase Z must denote that a numeric time zone offset is
 * not present" (https://states-language.net/spec.html#timestamps,
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html).
 */

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/**
 * date-time = full-date "T" partial-time time-offset (RFC 3339 §5.6), with an uppercase `T` and
 * `Z` only, as ASL requires. Fractional seconds may have any number of digits.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an ASL timestamp to epoch milliseconds. Sub-millisecond digits are kept as the
 * fraction of the returned number, so two timestamps that differ only in microseconds still
 * compare as different instants.
 *
 * @returns the instant in epoch milliseconds, or `undefined` when `text` is not an RFC 3339
 *   timestamp with uppercase `T`/`Z`, or names a date or time that does not exist
 *   (February 30th, hour 24, second 60, offset +24:00).
 */
export function parseTimestamp(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  // RFC 3339 allows second 60 for leap seconds; AWS's timestamp parser does not accept a
  // second that has no place on the POSIX time line, and neither do we.
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMs = 0;
  if (zulu === undefined) {
    const offsetHours = Number(oh);
    const offsetMinutes = Number(om);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetMs =
      (sign === '-' ? -1 : 1) * (offsetHours * MS_PER_HOUR + offsetMinutes * MS_PER_MINUTE);
  }
  const fractionMs = fraction === undefined ? 0 : Number(`0.${fraction}`) * MS_PER_SECOND;
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY +
    hour * MS_PER_HOUR +
    minute * MS_PER_MINUTE +
    second * MS_PER_SECOND +
    fractionMs -
    offsetMs
  );
}

/** 0000-01-01T00:00:00Z, the first instant RFC 3339 can write. */
export const FIRST_TIMESTAMP_MS = -62_167_219_200_000;

/** 9999-12-31T23:59:59.999Z, the last instant RFC 3339 can write. */
export const LAST_TIMESTAMP_MS = 253_402_300_799_999;

/**
 * `epochMs` plus `seconds`, capped at {@link LAST_TIMESTAMP_MS}: a wait or retry back-off too
 * long to write as a timestamp is due at the end of time rather than an error.
 */
export function addSecondsCapped(epochMs: number, seconds: number): number {
  const due = epochMs + seconds * 1000;
  return Number.isNaN(due) ? due : Math.min(due, LAST_TIMESTAMP_MS);
}

/** True when `text` is a timestamp ASL accepts (see {@link parseTimestamp}). */
export function isTimestamp(text: string): boolean {
  return parseTimestamp(text) !== undefined;
}

/**
 * Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC, millisecond precision, the
 * shape `Date.prototype.toISOString` gives). Sub-millisecond fractions are truncated.
 *
 * @throws RangeError when the instant is not finite or its year is outside 0000..9999, which
 *   RFC 3339 cannot represent.
 */
export function formatTimestamp(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`not a finite instant: ${epochMs}`);
  const whole = Math.floor(epochMs);
  const days = Math.floor(whole / MS_PER_DAY);
  let rest = whole - days * MS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} is outside RFC 3339`);
  const hour = Math.floor(rest / MS_PER_HOUR);
  rest -= hour * MS_PER_HOUR;
  const minute = Math.floor(rest / MS_PER_MINUTE);
  rest -= minute * MS_PER_MINUTE;
  const second = Math.floor(rest / MS_PER_SECOND);
  const millis = rest - second * MS_PER_SECOND;
  return (
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` +
    `T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(millis, 3)}Z`
  );
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level
 * Date Algorithms", days_from_civil), exact for every year without floating point drift.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of {@link daysFromCivil} (Hinnant's civil_from_days). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
