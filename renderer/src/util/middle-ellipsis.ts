/**
 * The longest "start…end" of `text` that `fits` (e.g. in the pixels a toolbar leaves it): both
 * ends stay readable, so "customer-churn-2026.pwproj" reads "customer-c…026.pwproj", not
 * "customer-churn-2…". The whole text when it fits; at least one character each side.
 */
export function middleEllipsis(text: string, fits: (s: string) => boolean): string {
  const chars = [...text];
  if (chars.length <= 2 || fits(text)) return text;
  const cut = (keep: number) => chars.slice(0, Math.ceil(keep / 2)).join('') + '…' + chars.slice(chars.length - Math.floor(keep / 2)).join('');
  // the most characters kept that still fit: `fits` is monotone in how many are kept
  let lo = 2;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(cut(mid))) lo = mid;
    else hi = mid - 1;
  }
  return cut(lo);
}
