import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import { CreateUserDto, ListUsersQuery, UserPage, UserView } from './users.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user at a unit its role works at (ADMIN)' })
  @ApiCreatedResponse({ type: UserView })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateUserDto) {
    return this.users.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Users, by username (ADMIN)' })
  @ApiOkResponse({ type: UserPage })
  list(@CurrentActor() actor: Actor, @Query() query: ListUsersQuery) {
    return this.users.list(actor, query);
  }
}
