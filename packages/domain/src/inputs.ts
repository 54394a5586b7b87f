import { z } from 'zod';
import { Id } from './model';

// Input schemas shared by the API (which enforces them) and the web forms (which show the same
// messages before a request is sent). Procedures take ids, never names: a query's input ends up
// in the URL, and a student's name must not land in browser history or proxy logs.

export const SignInInput = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, 'Email is too long')
    .pipe(z.email('Enter an email address')),
  // The upper bound keeps a request from making the server hash megabytes.
  password: z.string().min(1, 'Enter your password').max(200, 'Password is too long'),
});
export type SignInInput = z.input<typeof SignInInput>;

export const StudentGetInput = z.object({ studentId: Id });
export type StudentGetInput = z.input<typeof StudentGetInput>;
