// Who is signed in (GET /auth/sessions/current): a person with their role, or the admin key as owner.
export const me = {actor: null, role: 'owner', store: null};

/** True for a person's session (not the admin key): "mine" and "Assign to me" need one. */
export const isPerson = () => Boolean(me.actor && me.actor.kind === 'user');
