// Calendar fields of a UTC timestamp given in seconds, by integer arithmetic
// (no Date objects, so no allocation). Go truncates the seconds toward zero.

const SECONDS_PER_DAY = 86400;
// Days before each month in a non-leap year.
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysSinceEpoch(seconds: number): number {
  return Math.floor(Math.trunc(seconds) / SECONDS_PER_DAY);
}

function secondOfDay(seconds: number): number {
  const s = Math.trunc(seconds);
  return s - Math.floor(s / SECONDS_PER_DAY) * SECONDS_PER_DAY;
}

// Civil date from days since 1970-01-01 (H. Hinnant's algorithm), packed as y*10000+m*100+d
// would overflow precision for huge years, so each field has its own function.
function civilYearMonthDay(days: number, field: 0 | 1 | 2): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  if (field === 2) return d;
  if (field === 1) return m;
  return yoe + era * 400 + (m <= 2 ? 1 : 0);
}

// Non-finite input has no calendar meaning; Go's int64 conversion of it is
// platform-defined, so we answer NaN rather than a made-up date.
function finite(x: number): boolean {
  return x - x === 0;
}

export function year(seconds: number): number {
  return finite(seconds) ? civilYearMonthDay(daysSinceEpoch(seconds), 0) : NaN;
}

export function month(seconds: number): number {
  return finite(seconds) ? civilYearMonthDay(daysSinceEpoch(seconds), 1) : NaN;
}

export function dayOfMonth(seconds: number): number {
  return finite(seconds) ? civilYearMonthDay(daysSinceEpoch(seconds), 2) : NaN;
}

/** 0 = Sunday, as Go's time.Weekday. 1970-01-01 was a Thursday. */
export function dayOfWeek(seconds: number): number {
  if (!finite(seconds)) return NaN;
  const d = daysSinceEpoch(seconds) + 4;
  return d - Math.floor(d / 7) * 7;
}

export function dayOfYear(seconds: number): number {
  if (!finite(seconds)) return NaN;
  const days = daysSinceEpoch(seconds);
  const y = civilYearMonthDay(days, 0);
  const m = civilYearMonthDay(days, 1);
  const d = civilYearMonthDay(days, 2);
  return DAYS_BEFORE_MONTH[m - 1] + d + (m > 2 && isLeap(y) ? 1 : 0);
}

export function daysInMonth(seconds: number): number {
  if (!finite(seconds)) return NaN;
  const days = daysSinceEpoch(seconds);
  const m = civilYearMonthDay(days, 1);
  if (m === 2 && isLeap(civilYearMonthDay(days, 0))) return 29;
  return DAYS_IN_MONTH[m - 1];
}

export function hour(seconds: number): number {
  return finite(seconds) ? Math.floor(secondOfDay(seconds) / 3600) : NaN;
}

export function minute(seconds: number): number {
  return finite(seconds) ? Math.floor((secondOfDay(seconds) % 3600) / 60) : NaN;
}
