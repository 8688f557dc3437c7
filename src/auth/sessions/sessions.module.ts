import { Module } from '@nestjs/common';
import { SessionLookup } from './session-lookup.js';
import { SessionsRepository } from './sessions.repository.js';

/** The `sessions` table, and the lookup the guards use (kept a second, forgotten on any change). */
@Module({ providers: [SessionsRepository, SessionLookup], exports: [SessionsRepository, SessionLookup] })
export class SessionsModule {}
