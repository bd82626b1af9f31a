import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'flowguard:public';

/** Marks a route as reachable without the API token (health, metrics, the dashboard page shell). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
