import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../trpc';

// The schools, homerooms and providers the student forms choose from.

export type Options = {
  schools: { id: string; name: string; mine: boolean }[];
  classrooms: {
    id: string;
    schoolId: string;
    name: string;
    grade: string;
    teacherName: string | null;
  }[];
  providers: { id: string; name: string; discipline: string | null }[];
};

export function useOptions() {
  const trpc = useTRPC();
  return useQuery(trpc.students.options.queryOptions());
}
