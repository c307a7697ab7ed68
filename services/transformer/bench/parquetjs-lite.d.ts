// The part of parquetjs-lite 0.8.7's API the writers benchmark uses (the package ships no types).
declare module 'parquetjs-lite' {
  interface FieldSpec {
    type: string;
    optional?: boolean;
  }
  class ParquetSchema {
    constructor(fields: Record<string, FieldSpec>);
  }
  class ParquetWriter {
    static openFile(
      schema: ParquetSchema,
      path: string,
      options?: { compression?: 'UNCOMPRESSED' | 'GZIP' | 'SNAPPY'; rowGroupSize?: number },
    ): Promise<ParquetWriter>;
    appendRow(row: Record<string, unknown>): Promise<void>;
    close(): Promise<void>;
  }
  const parquet: { ParquetSchema: typeof ParquetSchema; ParquetWriter: typeof ParquetWriter };
  export default parquet;
}
