import { ConflictError, NotFoundError, PaymentDeclinedError, ValidationError, type FieldIssue } from "./errors.ts";

export interface OrderItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export type OrderStatus = "pending" | "paid" | "cancelled";

export interface Order {
  id: string;
  customerId: string;
  items: OrderItem[];
  totalCents: number;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
  chargeId?: string;
}

export interface OrderRepo {
  get(id: string): Promise<Order | undefined>;
  save(order: Order): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}

export type ChargeResult = { ok: true; chargeId: string } | { ok: false; reason: string };

export interface PaymentGateway {
  charge(request: { orderId: string; customerId: string; amountCents: number }): Promise<ChargeResult>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface OrderDeps {
  repo: OrderRepo;
  clock: Clock;
  ids: IdGenerator;
  payments: PaymentGateway;
  logger: Logger;
}

export interface CreateOrderInput {
  customerId: string;
  items: OrderItem[];
}

export interface OrderService {
  createOrder(input: CreateOrderInput): Promise<Order>;
  getOrder(id: string): Promise<Order>;
  payOrder(id: string): Promise<Order>;
  cancelOrder(id: string): Promise<Order>;
}

const isInt = (v: unknown, min: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= min;
const isNonEmptyString = (v: unknown): v is string => typeof v === "string" && v.trim().length > 0;

function validate(input: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const obj = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  if (!isNonEmptyString(obj.customerId)) issues.push({ field: "customerId", message: "must be a non-empty string" });
  if (!Array.isArray(obj.items) || obj.items.length === 0) {
    issues.push({ field: "items", message: "must be a non-empty array" });
    return issues;
  }
  obj.items.forEach((raw: unknown, i) => {
    const item = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    if (!isNonEmptyString(item.sku)) issues.push({ field: `items[${i}].sku`, message: "must be a non-empty string" });
    if (!isInt(item.quantity, 1)) issues.push({ field: `items[${i}].quantity`, message: "must be an integer >= 1" });
    if (!isInt(item.unitPriceCents, 0)) issues.push({ field: `items[${i}].unitPriceCents`, message: "must be an integer >= 0" });
  });
  return issues;
}

/** Builds the orders service from its collaborators; it touches no globals. */
export function createOrderService({ repo, clock, ids, payments, logger }: OrderDeps): OrderService {
  async function load(id: string): Promise<Order> {
    const order = await repo.get(id);
    if (!order) throw new NotFoundError(id, "Order");
    return order;
  }

  return {
    async createOrder(input) {
      const issues = validate(input);
      if (issues.length > 0) throw new ValidationError(issues);
      const now = clock.now().toISOString();
      const items = input.items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents }));
      const order: Order = {
        id: ids.next(),
        customerId: input.customerId,
        items,
        totalCents: items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0),
        status: "pending",
        createdAt: now,
        updatedAt: now,
      };
      await repo.save(order);
      logger.info("order.created", { orderId: order.id, totalCents: order.totalCents });
      return order;
    },

    getOrder: load,

    async payOrder(id) {
      const order = await load(id);
      if (order.status !== "pending") throw new ConflictError(`Order ${id} is ${order.status}, not pending`);
      const result = await payments.charge({ orderId: order.id, customerId: order.customerId, amountCents: order.totalCents });
      if (!result.ok) {
        logger.info("order.payment_declined", { orderId: order.id, reason: result.reason });
        throw new PaymentDeclinedError(result.reason);
      }
      const paid: Order = { ...order, status: "paid", chargeId: result.chargeId, updatedAt: clock.now().toISOString() };
      await repo.save(paid);
      logger.info("order.paid", { orderId: paid.id, chargeId: result.chargeId });
      return paid;
    },

    async cancelOrder(id) {
      const order = await load(id);
      if (order.status !== "pending") throw new ConflictError(`Order ${id} is ${order.status}, not pending`);
      const cancelled: Order = { ...order, status: "cancelled", updatedAt: clock.now().toISOString() };
      await repo.save(cancelled);
      logger.info("order.cancelled", { orderId: cancelled.id });
      return cancelled;
    },
  };
}
