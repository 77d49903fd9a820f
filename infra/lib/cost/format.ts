/** Money and number formatting shared by the table, the diff and the budget messages. */

export function usd(value: number): string {
  const sign = value < 0 ? "-" : "";
  return `${sign}$${Math.abs(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** "+$12.00" / "-$3.50" / "$0.00". */
export function signedUsd(value: number): string {
  return value > 0 ? `+${usd(value)}` : usd(value);
}

export function quantity(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** "+12%" of `from`; "new" when `from` is 0. */
export function percent(from: number, to: number): string {
  if (from === 0) return to === 0 ? "0%" : "new";
  const p = ((to - from) / from) * 100;
  return `${p > 0 ? "+" : ""}${p.toFixed(0)}%`;
}
