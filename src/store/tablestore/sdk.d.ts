/**
 * Types for the parts of the `tablestore` SDK (5.6.5, CommonJS, ships no typings) that xcflow
 * uses, written from its sources (`lib/client.js`, `lib/filter.js`, `lib/metadata.js`,
 * `lib/protocol/decoder.js`). Only what the store backend and its tests call is declared.
 */
declare module 'tablestore' {
  /** 64-bit integer from `int64-buffer` (`TableStore.Long.fromNumber` returns one). */
  interface Int64LE {
    toNumber(): number;
    toString(radix?: number): string;
    toBuffer(): Buffer;
  }

  // `| undefined` lets arrays of differently-keyed literals type-check; each object names one column.
  type PrimaryKeyInput = Record<string, string | Int64LE | Buffer | object | undefined>[];
  type ColumnInput = Record<string, string | number | boolean | Int64LE | Buffer | undefined>;
  type AttributeValue = string | number | boolean | Int64LE | Buffer;

  interface ColumnCondition {
    getType(): number;
  }
  interface SingleColumnConditionCtor {
    new (columnName: string, columnValue: AttributeValue, comparator: number, passIfMissing?: boolean, latestVersionOnly?: boolean): ColumnCondition;
  }
  interface CompositeCondition extends ColumnCondition {
    addSubCondition(c: ColumnCondition): void;
  }
  interface CompositeConditionCtor {
    new (combinator: number): CompositeCondition;
  }
  interface Condition {
    rowExistenceExpectation: number;
  }
  interface ConditionCtor {
    new (rowExistenceExpectation: number, columnCondition?: ColumnCondition | null): Condition;
  }
  interface ColumnPaginationFilterCtor {
    new (limit?: number, offset?: number): ColumnCondition;
  }

  /** A row as the SDK decodes it; `{}` when GetRow finds nothing. */
  interface Row {
    primaryKey?: { name: string; value: string | Int64LE | Buffer }[];
    attributes?: { columnName: string; columnValue: AttributeValue; timestamp: Int64LE }[];
  }

  interface ReturnContent {
    returnType: number;
    returnColumns?: string[];
  }
  interface TimeRange {
    startTime?: number;
    endTime?: number;
    specificTime?: number;
  }

  interface RowWriteParams {
    tableName: string;
    condition: Condition;
    primaryKey: PrimaryKeyInput;
    returnContent?: ReturnContent;
  }
  interface PutRowParams extends RowWriteParams {
    attributeColumns?: ColumnInput[];
  }
  type UpdateOp =
    | { PUT: ColumnInput[] }
    | { DELETE_ALL: string[] }
    | { DELETE: Record<string, number>[] }
    | { INCREMENT: ColumnInput[] };
  interface UpdateRowParams extends RowWriteParams {
    updateOfAttributeColumns: UpdateOp[];
  }
  interface ReadParams {
    columnsToGet?: string[];
    maxVersions?: number;
    timeRange?: TimeRange;
    columnFilter?: ColumnCondition;
    startColumn?: string;
    endColumn?: string;
  }
  interface GetRowParams extends ReadParams {
    tableName: string;
    primaryKey: PrimaryKeyInput;
  }
  interface GetRangeParams extends ReadParams {
    tableName: string;
    direction: 'FORWARD' | 'BACKWARD';
    inclusiveStartPrimaryKey: PrimaryKeyInput;
    exclusiveEndPrimaryKey: PrimaryKeyInput;
    limit?: number;
  }
  interface BatchWriteRowParams {
    tables: {
      tableName: string;
      rows: {
        type: 'PUT' | 'UPDATE' | 'DELETE';
        condition: Condition;
        primaryKey: PrimaryKeyInput;
        attributeColumns?: ColumnInput[] | UpdateOp[];
        returnContent?: ReturnContent;
      }[];
    }[];
  }
  interface BatchGetRowParams {
    tables: (ReadParams & { tableName: string; primaryKey: PrimaryKeyInput[] })[];
  }
  interface CreateTableParams {
    tableMeta: { tableName: string; primaryKey: { name: string; type: 'STRING' | 'INTEGER' | 'BINARY'; option?: 'AUTO_INCREMENT' }[] };
    reservedThroughput: { capacityUnit: { read: number; write: number } };
    tableOptions: { timeToLive: number; maxVersions: number; maxTimeDeviation?: number };
  }

  interface Consumed {
    capacityUnit?: { read?: number; write?: number };
  }
  interface RowResult {
    consumed?: Consumed;
    row: Row;
    RequestId?: string;
  }
  interface GetRangeResult {
    rows: Row[];
    nextStartPrimaryKey: { name: string; value: string | Int64LE | Buffer }[] | null;
    RequestId?: string;
  }
  interface BatchRowResult {
    isOk: boolean;
    errorCode: string | null;
    errorMessage: string | null;
    tableName: string;
    primaryKey: { name: string; value: string | Int64LE | Buffer }[] | null;
    attributes: { columnName: string; columnValue: AttributeValue; timestamp: Int64LE }[] | null;
  }
  interface BatchWriteRowResult {
    tables: BatchRowResult[];
    RequestId?: string;
  }
  interface BatchGetRowResult {
    tables: BatchRowResult[][];
    RequestId?: string;
  }
  interface DescribeTableResult {
    tableMeta: { tableName: string; primaryKey: { name: string; type: number; option?: number }[] };
    tableOptions: { timeToLive?: number; maxVersions?: number };
    tableStatus: number;
  }

  interface ClientConfig {
    accessKeyId: string;
    secretAccessKey?: string;
    accessKeySecret?: string;
    stsToken?: string;
    securityToken?: string;
    endpoint: string;
    instancename: string;
    maxRetries?: number;
    httpOptions?: { timeout?: number; maxSockets?: number };
  }

  interface Client {
    createTable(params: CreateTableParams): Promise<object>;
    listTable(params: Record<string, never>): Promise<{ tableNames: string[] }>;
    describeTable(params: { tableName: string }): Promise<DescribeTableResult>;
    deleteTable(params: { tableName: string }): Promise<object>;
    putRow(params: PutRowParams): Promise<RowResult>;
    getRow(params: GetRowParams): Promise<RowResult>;
    updateRow(params: UpdateRowParams): Promise<RowResult>;
    deleteRow(params: RowWriteParams): Promise<RowResult>;
    getRange(params: GetRangeParams): Promise<GetRangeResult>;
    batchWriteRow(params: BatchWriteRowParams): Promise<BatchWriteRowResult>;
    batchGetRow(params: BatchGetRowParams): Promise<BatchGetRowResult>;
  }
  interface ClientCtor {
    new (config: ClientConfig): Client;
  }

  interface TableStoreModule {
    Client: ClientCtor;
    Condition: ConditionCtor;
    SingleColumnCondition: SingleColumnConditionCtor;
    CompositeCondition: CompositeConditionCtor;
    ColumnPaginationFilter: ColumnPaginationFilterCtor;
    RowExistenceExpectation: { IGNORE: 0; EXPECT_EXIST: 1; EXPECT_NOT_EXIST: 2 };
    ComparatorType: { EQUAL: 1; NOT_EQUAL: 2; GREATER_THAN: 3; GREATER_EQUAL: 4; LESS_THAN: 5; LESS_EQUAL: 6 };
    LogicalOperator: { NOT: 1; AND: 2; OR: 3 };
    ReturnType: { NONE: 0; Primarykey: 1; AfterModify: 2 };
    Direction: { FORWARD: 'FORWARD'; BACKWARD: 'BACKWARD' };
    INF_MIN: object;
    INF_MAX: object;
    PK_AUTO_INCR: object;
    Long: { fromNumber(n: number): Int64LE; fromString(s: string): Int64LE };
    DefaultRetryPolicy: { maxRetryTimes: number };
  }

  const TableStore: TableStoreModule;
  export default TableStore;
  export type {
    AttributeValue,
    BatchRowResult,
    Client,
    ColumnCondition,
    ColumnInput,
    Condition,
    GetRangeResult,
    Int64LE,
    PrimaryKeyInput,
    Row,
    RowResult,
    TableStoreModule,
    UpdateOp,
  };
}
