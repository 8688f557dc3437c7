import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '../auth/actor.js';
import { TasksService } from './tasks.service.js';

class TaskView {
  @ApiProperty({ enum: ['dossier', 'project', 'assessment'] }) subjectType: string;
  @ApiProperty() subjectId: string;
  @ApiProperty() state: string;
  @ApiProperty({ example: 'review_criteria' }) action: string;
  @ApiProperty() unitId: string;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) dueAt: string | null;
  @ApiProperty() overdue: boolean;
}

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({ summary: 'What waits for the caller, most urgent first' })
  @ApiOkResponse({ type: [TaskView] })
  inbox(@CurrentActor() actor: Actor) {
    return this.tasks.inbox(actor);
  }
}
