// The wasm backend's module: every kernel written in AssemblyScript.
export * from './gemm';
export * from './sample';
export * from './update';
export * from './glauber';
export * from './gaussian';
