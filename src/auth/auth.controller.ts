import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentActor, CurrentSessionId, Public, type Actor } from './actor.js';
import { LoginDto, LoginResponse } from './auth.dto.js';
import { AuthService } from './auth.service.js';
import { UserView } from '../users/users.dto.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in; failures are throttled per account and per address' })
  @ApiOkResponse({ type: LoginResponse })
  @ApiUnauthorizedResponse({ description: 'wrong username or password' })
  @ApiTooManyRequestsResponse({ description: 'too many failures for this account or address' })
  login(@Body() dto: LoginDto, @Ip() address: string) {
    return this.auth.login(dto.username, dto.password, address);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Sign out: the token used for this request stops working at once, in every process' })
  @ApiNoContentResponse({ description: 'signed out' })
  @ApiUnauthorizedResponse({ description: 'no token, or its session has already ended' })
  async logout(@CurrentSessionId() sessionId: string): Promise<void> {
    await this.auth.logout(sessionId);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserView })
  me(@CurrentActor() actor: Actor) {
    return this.auth.me(actor);
  }
}
