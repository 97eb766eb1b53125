// PLACEHOLDER: being written.
export {};
