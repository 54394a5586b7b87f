/** The session cookie (`name=value`) a response sets; a sign-in also sets the device cookie. */
export const sessionCookieOf = (res: Response): string | undefined =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => /^(__Host-)?carryover_session=/.test(c))
    .at(-1);
