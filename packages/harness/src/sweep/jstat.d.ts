// jstat ships no type declarations; this declares the one function sim uses.
declare module "jstat" {
  export const jStat: {
    studentt: { inv(p: number, degreesOfFreedom: number): number };
  };
}
