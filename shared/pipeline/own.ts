/**
 * Sets `obj[key]` as an own property even for keys such as `__proto__`: keys come from the
 * file, and a plain assignment with that key would change the object's prototype instead.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
