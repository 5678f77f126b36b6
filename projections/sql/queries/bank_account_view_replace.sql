-- Full replacement of a bank account's updatable fields: those left out are cleared.
UPDATE vault.bank_account_view
SET document = (document - 'accountHolderName' - 'accountType' - 'billingAddressId' - 'nickName'
                         - 'merchantRefNum' - 'routingNumber' - 'transitNumber' - 'institutionId'
                         - 'sortCode' - 'bic') || $2::jsonb
WHERE bank_account_id = $1;
