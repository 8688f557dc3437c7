import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { SetupService } from './setup.service.js';

@Module({ imports: [UsersModule], providers: [SetupService] })
export class SetupModule {}
