/** Base class for every error Osprey raises on purpose: a stable code lets callers and tests branch without string matching. */
export class OspreyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A user-facing failure (bad flag, missing privilege, missing kernel feature): the CLI prints the message on one line and exits. */
export class UserFacingError extends OspreyError {
  constructor(message: string, code = 'OSP_ERR_USER') {
    super(code, message);
  }
}
