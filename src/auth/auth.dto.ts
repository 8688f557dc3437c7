import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { UserView } from '../users/users.dto.js';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username: string;

  @ApiProperty({ example: 'a long password' })
  @IsString()
  @Length(1, 200)
  password: string;
}

export class LoginResponse {
  @ApiProperty({ description: 'JWT bearer token' }) accessToken: string;
  @ApiProperty({ type: UserView }) user: UserView;
}
