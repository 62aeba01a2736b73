import { Capability, createTxFromRLP, TransactionType, type TypedTransaction } from '@ethereumjs/tx';
import { chainCommon } from '../chain/common.ts';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { keccak } from '../chain/keccak.ts';
import { InvalidParamsError, ServerError } from '../errors.ts';
import { nobleRecover, type RecoverPublicKey } from './recover.ts';

/** Largest raw transaction accepted, as geth's txpool: 128 KiB. */
export const MAX_TX_BYTES = 128 * 1024;

/** A transaction checked at the edge: decoded, signature verified, sender recovered. */
export interface CheckedTransaction {
  raw: Hex;
  hash: Hex;
  sender: Hex;
  /** 64-byte public key, so the sequencer never repeats the recovery. */
  senderPubKey: Hex;
  type: number;
  nonce: bigint;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  value: bigint;
  /** gasLimit * maxFeePerGas + value: what the sender must hold. */
  cost: bigint;
}

export function parseRawTransaction(raw: string, chainId: bigint): TypedTransaction {
  if (typeof raw !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(raw)) {
    throw new InvalidParamsError('invalid raw transaction: expected 0x-prefixed hex bytes');
  }
  if ((raw.length - 2) / 2 > MAX_TX_BYTES) throw new ServerError(`oversized data: transaction size ${(raw.length - 2) / 2}, limit ${MAX_TX_BYTES}`);
  const bytes = hexToBytes(raw);
  if (bytes[0] === TransactionType.BlobEIP4844) {
    throw new ServerError('blob transactions are not supported: this chain has no blob data availability');
  }
  let tx: TypedTransaction;
  try {
    tx = createTxFromRLP(bytes, { common: chainCommon(chainId) });
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split(' (tx type=')[0].split('\n')[0];
    if (/chain ?id/i.test(reason)) throw new ServerError(`invalid chain id for signer: have ${reason}, want ${chainId}`);
    throw new InvalidParamsError(`invalid raw transaction: ${reason}`);
  }
  return tx;
}

const SECP256K1_N_HALF = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** The sender's 64-byte public key; refuses high-s and malformed signatures as geth does. */
function recoverSender(tx: TypedTransaction, chainId: bigint, recover: RecoverPublicKey, unprotected: boolean): Uint8Array {
  const { v, r, s } = tx as { v?: bigint; r?: bigint; s?: bigint };
  if (v === undefined || r === undefined || s === undefined || r === 0n || s === 0n || s > SECP256K1_N_HALF) {
    throw new ServerError('invalid transaction v, r, s values');
  }
  const recovery = tx.type !== TransactionType.Legacy ? v : unprotected ? v - 27n : v - 35n - 2n * chainId;
  if (recovery !== 0n && recovery !== 1n) throw new ServerError('invalid transaction v, r, s values');
  const signature = hexToBytes(`0x${r.toString(16).padStart(64, '0')}${s.toString(16).padStart(64, '0')}`);
  try {
    return recover(tx.getMessageToVerifySignature(), signature, Number(recovery)).slice(1);
  } catch {
    throw new ServerError('invalid sender: signature does not recover a public key');
  }
}

/**
 * Decodes and checks what can be checked without state: type, chain id, signature, size, intrinsic
 * gas. A legacy transaction without EIP-155 replay protection is valid in a block (as on Ethereum);
 * whether the RPC admits one is policy: `allowUnprotected` (ALLOW_UNPROTECTED_TXS at the edge, always
 * in the prover, which must accept every block the sequencer sealed: docs/decisions/0020).
 */
export function checkRawTransaction(
  raw: string,
  chainId: bigint,
  blockGasLimit: bigint,
  recover: RecoverPublicKey = nobleRecover,
  allowUnprotected = false,
): CheckedTransaction {
  const tx = parseRawTransaction(raw, chainId);
  const unprotected = tx.type === TransactionType.Legacy && !tx.supports(Capability.EIP155ReplayProtection);
  if (unprotected && !allowUnprotected) {
    throw new ServerError('only replay-protected (EIP-155) transactions allowed over RPC');
  }
  if ('chainId' in tx && tx.chainId !== chainId) {
    throw new ServerError(`invalid chain id for signer: have ${tx.chainId} want ${chainId}`);
  }
  if (!tx.isSigned()) throw new InvalidParamsError('invalid raw transaction: not signed');
  const pubKey = recoverSender(tx, chainId, recover, unprotected);
  // Seed EthereumJS's cache so nothing downstream recovers again.
  tx.cache.senderPubKey = pubKey;
  const errors = tx.getValidationErrors();
  if (errors.some((e) => e.startsWith('gasLimit is too low'))) throw new ServerError(`intrinsic gas too low: gas ${tx.gasLimit}`);
  if (errors.length > 0) throw new ServerError(`invalid transaction: ${errors.join('; ')}`);
  if (tx.gasLimit > blockGasLimit) throw new ServerError(`exceeds block gas limit: gas ${tx.gasLimit}, limit ${blockGasLimit}`);
  const fees = 'maxFeePerGas' in tx ? { max: tx.maxFeePerGas, tip: tx.maxPriorityFeePerGas } : { max: tx.gasPrice, tip: tx.gasPrice };
  return {
    raw: raw.toLowerCase() as Hex,
    hash: bytesToHex(tx.hash()),
    sender: bytesToHex(keccak(pubKey).slice(12)),
    senderPubKey: bytesToHex(pubKey),
    type: tx.type,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    maxFeePerGas: fees.max,
    maxPriorityFeePerGas: fees.tip,
    value: tx.value,
    cost: tx.gasLimit * fees.max + tx.value,
  };
}
