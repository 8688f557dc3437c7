import { NotFound, NotPermitted, Unauthenticated } from '../common/errors.js';

/** A page was asked for without a live session: the page answers with the sign-in form, then comes back. */
export class SignInRequired extends Unauthenticated {
  constructor() {
    super('token_required');
  }
}

/** A form that changes something came without its session's CSRF token (or after sign-out): 403. */
export class CsrfRefused extends NotPermitted {
  constructor() {
    super('csrf_refused');
  }
}

/** An address under /app that is no page: the pages' own 404, in the user's language. */
export class NoSuchPage extends NotFound {
  constructor() {
    super('page');
  }
}
