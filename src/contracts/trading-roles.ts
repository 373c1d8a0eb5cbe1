// The trading-partner roles an organisation may hold in the pharmaceutical
// supply chain (DSCSA section 581: manufacturer, repackager, wholesale
// distributor, third-party logistics provider, dispenser). Governance admits
// an organisation to them by proposal ('set-trading-roles'); the supplychain
// contract decides what each role may do. Shared vocabulary of two contracts,
// so it sits beside them rather than in either.
export const TRADING_ROLES = ['manufacturer', 'repackager', 'wholesaler', '3pl', 'dispenser'] as const;

export type TradingRole = (typeof TRADING_ROLES)[number];

/** The org record field governance writes the roles to (`governance`/`org/<orgId>`). */
export const TRADING_ROLES_FIELD = 'tradingRoles';
