import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageQuery } from '../common/pagination.js';
import { Nfc } from '../common/validation.js';

export const ROLES = ['COMMUNE_STAFF', 'REVIEWER', 'PROVINCE_OFFICER', 'ADMIN'] as const;
export type RoleName = (typeof ROLES)[number];

export class CreateUserDto {
  @ApiProperty({ example: 'reviewer.trangdinh' })
  @Matches(/^[A-Za-z0-9._-]{3,64}$/, { message: 'username must be 3 to 64 letters, digits, dots, dashes or underscores' })
  username: string;

  @ApiProperty({ minLength: 8, writeOnly: true })
  @IsString()
  @Length(8, 200)
  password: string;

  @ApiProperty({ example: 'Nguyễn Thị Hoa' })
  @Nfc()
  @IsString()
  @Length(1, 200)
  fullName: string;

  @ApiProperty({ example: 'hoa@example.vn' })
  @IsEmail({}, { message: 'email must be an email address' })
  email: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: RoleName;

  @ApiProperty()
  @IsString()
  unitId: string;

  @ApiPropertyOptional({ enum: ['vi', 'en'], default: 'vi' })
  @IsOptional()
  @IsIn(['vi', 'en'])
  locale?: 'vi' | 'en';

  @ApiPropertyOptional({ type: [Number], description: 'criterion codes (1 to 16) a REVIEWER specialises in; default all' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(16, { each: true })
  criteria?: number[];
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: RoleName;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  unitId?: string;
}

export class UserView {
  @ApiProperty() id: string;
  @ApiProperty() username: string;
  @ApiProperty() fullName: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ROLES }) role: RoleName;
  @ApiProperty() unitId: string;
  @ApiProperty({ enum: ['vi', 'en'] }) locale: string;
  @ApiProperty({ type: [Number], description: 'criterion codes a reviewer specialises in (all 16 when none were given)' })
  criteria: number[];
  @ApiProperty({ description: 'false once deactivated: the user can no longer sign in, and its page sessions end at once' })
  active: boolean;
}

export class UpdateUserDto {
  @ApiProperty({ description: 'false deactivates the user' }) @IsBoolean() active: boolean;
}

export class UserPage {
  @ApiProperty({ type: [UserView] }) items: UserView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
