// asl-validator ships no type declarations; this covers the one call the tests make.
declare module 'asl-validator' {
  interface ValidationResult {
    isValid: boolean;
    errors: { message?: string; path?: string }[];
  }
  export default function aslValidator(definition: unknown): ValidationResult;
}
