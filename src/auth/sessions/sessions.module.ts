import { Module } from '@nestjs/common';
import { SessionsRepository } from './sessions.repository.js';

/** The `sessions` table, for the API's guard, the pages' sessions and the users' deactivation. */
@Module({ providers: [SessionsRepository], exports: [SessionsRepository] })
export class SessionsModule {}
