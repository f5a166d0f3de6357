//! Signing and verification, each beside a naive baseline and the hardware floor, in one
//! run.
//!
//! ```text
//! nice -n 5 cargo bench --bench sign                 # everything, about 2 minutes
//! nice -n 5 cargo bench --bench sign -- private_24B  # one group
//! ```
//!
//! Each group puts our function next to a naive version written here (the HMAC keyed per
//! call with `Hmac::<Sha256>::new_from_slice`, the string-to-sign built with `format!`,
//! `hex::encode`, then `format!("{key}:{hex}")`), so the two are measured side by side
//! under the same machine load. `floor` is what no HMAC-SHA256 signer can beat on this
//! hardware: the compressions alone (`sha2::compress256`, SHA-NI when the CPU has it),
//! from precomputed inner and outer states, plus a hex encode into a stack buffer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // benches may panic
#![allow(missing_docs)] // criterion_group! makes undocumented public functions

use std::hint::black_box;
use std::time::{Duration, Instant};

use channel_auth::webhook::{sign_webhook, verify_webhook};
use channel_auth::{
    ChannelName, Credentials, EncryptionMasterKey, Keyring, PresenceMember, SocketId, UserData, sign_channel_auth,
    sign_presence_auth, sign_user_auth, verify_channel_auth, verify_user_auth,
};
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sha2::digest::generic_array::GenericArray;

const KEY: &str = "278d425bdf160c739803";
const SECRET: &str = "7ad3773142a6692b25b8";
const SOCKET: &str = "1234.1234";
/// `1234.1234:private-foobar`: 24 bytes signed.
const PRIVATE: &str = "private-foobar";
const ENCRYPTED: &str = "private-encrypted-foobar";
const PRESENCE: &str = "presence-foobar";
const USER_ID: &str = "12345";
/// Signed as `1234.1234:presence-foobar:<channel_data>`: 151 bytes.
const USER_INFO: &str = r#"{"name":"Mr. Pusher","avatar":"https://example.com/a/12345.png","team":"blue"}"#;

type HmacSha256 = Hmac<Sha256>;

fn creds() -> Credentials {
    Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]))
}

fn user_info() -> serde_json::Value {
    serde_json::from_str(USER_INFO).unwrap()
}

// ---- the naive baseline: what a straightforward port of the official libraries does ----

fn naive_sign(key: &str, secret: &str, string_to_sign: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    format!("{key}:{signature}")
}

fn naive_sign_private(socket: &str, channel: &str) -> String {
    naive_sign(KEY, SECRET, &format!("{socket}:{channel}"))
}

fn naive_sign_presence(socket: &str, channel: &str, user_id: &str, info: &serde_json::Value) -> (String, String) {
    let channel_data = serde_json::json!({"user_id": user_id, "user_info": info}).to_string();
    let auth = naive_sign(KEY, SECRET, &format!("{socket}:{channel}:{channel_data}"));
    (auth, channel_data)
}

fn naive_sign_user(socket: &str, user_id: &str, info: &serde_json::Value) -> (String, String) {
    let user_data = serde_json::json!({"id": user_id, "user_info": info}).to_string();
    let auth = naive_sign(KEY, SECRET, &format!("{socket}::user::{user_data}"));
    (auth, user_data)
}

/// Naive verification: split, decode the hex, `verify_slice` (constant-time) with a MAC
/// keyed per call.
fn naive_verify(auth: &str, string_to_sign: &str) -> bool {
    let Some((key, signature)) = auth.split_once(':') else { return false };
    let Ok(signature) = hex::decode(signature) else { return false };
    let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    key == KEY && mac.verify_slice(&signature).is_ok()
}

// ---- the floor: SHA-256 compressions and a hex encode, nothing else ----

const SHA256_IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// The HMAC inner and outer states after the key block, as a keyed MAC caches them.
struct Floor {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl Floor {
    fn new(secret: &[u8]) -> Self {
        assert!(secret.len() <= 64);
        let state = |pad: u8| {
            let mut block = [pad; 64];
            for (b, k) in block.iter_mut().zip(secret) {
                *b ^= k;
            }
            let mut state = SHA256_IV;
            sha2::compress256(&mut state, &[GenericArray::from(block)]);
            state
        };
        Self { inner: state(0x36), outer: state(0x5c) }
    }

    /// HMAC of `message` (at most 55 bytes: one inner block) in lowercase hex: exactly two
    /// compressions.
    #[inline]
    fn sign_one_block(&self, message: &[u8]) -> [u8; 64] {
        let mut block = [0u8; 64];
        block[..message.len()].copy_from_slice(message);
        block[message.len()] = 0x80;
        block[56..].copy_from_slice(&((64 + message.len() as u64) * 8).to_be_bytes());
        let mut inner = self.inner;
        sha2::compress256(&mut inner, &[GenericArray::from(block)]);
        self.finish(inner)
    }

    /// HMAC of `message` (at most 5 blocks with the padding), in lowercase hex: one
    /// compression per padded inner block, plus one.
    #[inline]
    fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut flat = [0u8; 5 * 64];
        let n = (message.len() + 9).div_ceil(64);
        flat[..message.len()].copy_from_slice(message);
        flat[message.len()] = 0x80;
        flat[n * 64 - 8..n * 64].copy_from_slice(&((64 + message.len() as u64) * 8).to_be_bytes());
        let mut blocks = [GenericArray::default(); 5];
        for (block, chunk) in blocks.iter_mut().zip(flat.chunks_exact(64)) {
            block.copy_from_slice(chunk);
        }
        let mut inner = self.inner;
        sha2::compress256(&mut inner, &blocks[..n]);
        self.finish(inner)
    }

    /// The outer compression over the inner hash, then the hex encode.
    #[inline]
    fn finish(&self, inner: [u32; 8]) -> [u8; 64] {
        let mut block = [0u8; 64];
        for (chunk, word) in block.chunks_exact_mut(4).zip(inner) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        block[32] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        let mut outer = self.outer;
        sha2::compress256(&mut outer, &[GenericArray::from(block)]);
        let mut hex = [0u8; 64];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(outer.iter().flat_map(|w| w.to_be_bytes())) {
            pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
            pair[1] = HEX_DIGITS[usize::from(byte & 0x0f)];
        }
        hex
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

// ---- the groups ----

fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group.sample_size(50);
    group.throughput(Throughput::Elements(1));
}

fn private_channel(c: &mut Criterion) {
    let creds = creds();
    let socket: SocketId = SOCKET.parse().unwrap();
    let channel: ChannelName = PRIVATE.parse().unwrap();
    let message = format!("{SOCKET}:{PRIVATE}");
    assert_eq!(message.len(), 24);
    let floor = Floor::new(SECRET.as_bytes());
    let ours = sign_channel_auth(&creds, &socket, &channel).unwrap();
    assert_eq!(ours.auth(), naive_sign_private(SOCKET, PRIVATE));
    assert_eq!(ours.auth().as_bytes()[KEY.len() + 1..], floor.sign_one_block(message.as_bytes()));

    let mut group = c.benchmark_group("private_24B");
    configure(&mut group);
    group
        .bench_function("ours_sign", |b| b.iter(|| sign_channel_auth(&creds, black_box(&socket), black_box(&channel))));
    group.bench_function("naive_sign", |b| b.iter(|| naive_sign_private(black_box(SOCKET), black_box(PRIVATE))));
    group.bench_function("floor", |b| b.iter(|| floor.sign_one_block(black_box(message.as_bytes()))));
    let auth = ours.auth();
    assert_eq!(verify_channel_auth(&creds, &socket, &channel, None, auth), Ok(()));
    assert!(naive_verify(auth, &message));
    group.bench_function("ours_verify", |b| {
        b.iter(|| verify_channel_auth(&creds, black_box(&socket), black_box(&channel), None, black_box(auth)))
    });
    group.bench_function("naive_verify", |b| {
        b.iter(|| naive_verify(black_box(auth), &format!("{}:{}", black_box(SOCKET), black_box(PRIVATE))))
    });
    group.finish();
}

fn encrypted_channel(c: &mut Criterion) {
    let creds = creds();
    let socket: SocketId = SOCKET.parse().unwrap();
    let channel: ChannelName = ENCRYPTED.parse().unwrap();
    let mut group = c.benchmark_group("encrypted_34B");
    configure(&mut group);
    group
        .bench_function("ours_sign", |b| b.iter(|| sign_channel_auth(&creds, black_box(&socket), black_box(&channel))));
    group.finish();
}

/// A straightforward encryption, as a user might write it: a fresh key `Vec` from
/// `Sha256::digest`, the allocating `Aead::encrypt`, two base64 `String`s and
/// `serde_json::json!` for the envelope.
fn naive_encrypt(channel: &str, master: &[u8], plaintext: &[u8]) -> String {
    use base64::Engine as _;
    use crypto_secretbox::aead::{Aead, KeyInit};
    use sha2::Digest;
    let key = Sha256::digest([channel.as_bytes(), master].concat()).to_vec();
    let mut nonce = vec![0_u8; 24];
    getrandom::getrandom(&mut nonce).unwrap();
    let cipher = crypto_secretbox::XSalsa20Poly1305::new_from_slice(&key).unwrap();
    let ciphertext = cipher.encrypt(crypto_secretbox::Nonce::from_slice(&nonce), plaintext).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::json!({"nonce": b64.encode(&nonce), "ciphertext": b64.encode(&ciphertext)}).to_string()
}

/// Encrypting 1 KiB of event data for a `private-encrypted-` channel.
fn encrypt_payload_1k(c: &mut Criterion) {
    let creds = creds();
    let channel: ChannelName = ENCRYPTED.parse().unwrap();
    let plaintext = vec![b'x'; 1024];
    let naive = naive_encrypt(ENCRYPTED, &[7; 32], &plaintext);
    assert_eq!(channel_auth::encryption::decrypt_payload(&creds, &channel, &naive).unwrap(), plaintext);
    let ours = channel_auth::encryption::encrypt_payload(&creds, &channel, &plaintext).unwrap();
    assert_eq!(ours.len(), naive.len());

    let mut group = c.benchmark_group("encrypt_1KiB");
    configure(&mut group);
    group.bench_function("ours_encrypt", |b| {
        b.iter(|| channel_auth::encryption::encrypt_payload(&creds, black_box(&channel), black_box(&plaintext)))
    });
    group.bench_function("naive_encrypt", |b| {
        b.iter(|| naive_encrypt(black_box(ENCRYPTED), black_box(&[7; 32]), black_box(&plaintext)))
    });
    group.bench_function("ours_encrypt_fixed_nonce", |b| {
        b.iter(|| {
            channel_auth::encryption::encrypt_payload_with_nonce(
                &creds,
                black_box(&channel),
                black_box(&plaintext),
                [1; 24],
            )
        })
    });
    group.bench_function("ours_decrypt", |b| {
        b.iter(|| channel_auth::encryption::decrypt_payload(&creds, black_box(&channel), black_box(&ours)))
    });
    group.finish();
}

fn presence_channel(c: &mut Criterion) {
    let creds = creds();
    let socket: SocketId = SOCKET.parse().unwrap();
    let channel: ChannelName = PRESENCE.parse().unwrap();
    let info = user_info();
    let member = PresenceMember::new(USER_ID.parse().unwrap(), Some(info.clone())).unwrap();
    let message = format!("{SOCKET}:{PRESENCE}:{}", member.channel_data());
    let floor = Floor::new(SECRET.as_bytes());
    let ours = sign_presence_auth(&creds, &socket, &channel, &member).unwrap();
    let (naive_auth, naive_data) = naive_sign_presence(SOCKET, PRESENCE, USER_ID, &info);
    assert_eq!((ours.auth(), ours.channel_data()), (naive_auth.as_str(), Some(naive_data.as_str())));
    assert_eq!(ours.auth().as_bytes()[KEY.len() + 1..], floor.sign(message.as_bytes()));

    let name = format!("presence_{}B", message.len());
    let mut group = c.benchmark_group(&name);
    configure(&mut group);
    group.bench_function("ours_sign", |b| {
        b.iter(|| sign_presence_auth(&creds, black_box(&socket), black_box(&channel), black_box(&member)))
    });
    group.bench_function("naive_sign", |b| {
        b.iter(|| naive_sign_presence(black_box(SOCKET), black_box(PRESENCE), black_box(USER_ID), black_box(&info)))
    });
    group.bench_function("floor", |b| b.iter(|| floor.sign(black_box(message.as_bytes()))));
    let auth = ours.auth();
    let data = ours.channel_data();
    group.bench_function("ours_verify", |b| {
        b.iter(|| {
            verify_channel_auth(&creds, black_box(&socket), black_box(&channel), black_box(data), black_box(auth))
        })
    });
    group.bench_function("naive_verify", |b| {
        b.iter(|| {
            let data = black_box(data).unwrap();
            naive_verify(black_box(auth), &format!("{}:{}:{data}", black_box(SOCKET), black_box(PRESENCE)))
        })
    });
    group.finish();
}

fn user(c: &mut Criterion) {
    let creds = creds();
    let socket: SocketId = SOCKET.parse().unwrap();
    let info = user_info();
    let data = UserData::new(USER_ID.parse().unwrap()).with_user_info(info.clone());
    let ours = sign_user_auth(&creds, &socket, &data).unwrap();
    let (naive_auth, naive_data) = naive_sign_user(SOCKET, USER_ID, &info);
    assert_eq!((ours.auth(), ours.user_data()), (naive_auth.as_str(), naive_data.as_str()));
    let message = format!("{SOCKET}::user::{}", ours.user_data());
    let floor = Floor::new(SECRET.as_bytes());

    let name = format!("user_{}B", message.len());
    let mut group = c.benchmark_group(&name);
    configure(&mut group);
    group.bench_function("ours_sign", |b| b.iter(|| sign_user_auth(&creds, black_box(&socket), black_box(&data))));
    group.bench_function("naive_sign", |b| {
        b.iter(|| naive_sign_user(black_box(SOCKET), black_box(USER_ID), black_box(&info)))
    });
    group.bench_function("floor", |b| b.iter(|| floor.sign(black_box(message.as_bytes()))));
    let auth = ours.auth();
    let user_data = ours.user_data();
    group.bench_function("ours_verify", |b| {
        b.iter(|| verify_user_auth(&creds, black_box(&socket), black_box(user_data), black_box(auth)))
    });
    group.bench_function("naive_verify", |b| {
        b.iter(|| naive_verify(black_box(auth), &format!("{}::user::{}", black_box(SOCKET), black_box(user_data))))
    });
    group.finish();
}

/// A webhook body of the size soketi sends for one event.
const WEBHOOK_BODY: &str =
    r#"{"time_ms":1403175510755,"events":[{"channel":"presence-foobar","name":"member_added","user_id":"12345"}]}"#;

fn webhook(c: &mut Criterion) {
    let creds = creds();
    let ring = Keyring::new([creds.clone()]);
    let body = WEBHOOK_BODY.as_bytes();
    let signature = sign_webhook(&creds, body).signature().to_owned();
    let name = format!("webhook_{}B", body.len());
    let mut group = c.benchmark_group(&name);
    configure(&mut group);
    group.bench_function("ours_sign", |b| b.iter(|| sign_webhook(&creds, black_box(body))));
    group.bench_function("naive_sign", |b| {
        b.iter(|| {
            let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap();
            mac.update(black_box(body));
            hex::encode(mac.finalize().into_bytes())
        })
    });
    group.bench_function("ours_verify", |b| b.iter(|| verify_webhook(&ring, KEY, black_box(&signature), body)));
    group.bench_function("naive_verify", |b| {
        b.iter(|| {
            let Ok(sig) = hex::decode(black_box(&signature)) else { return false };
            let mut mac = HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap();
            mac.update(body);
            mac.verify_slice(&sig).is_ok()
        })
    });
    group.finish();
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    configure(&mut group);
    group.bench_function("socket_id", |b| b.iter(|| black_box("123456789.987654321").parse::<SocketId>()));
    group.bench_function("channel_name_24B", |b| {
        b.iter(|| black_box("private-encrypted-foobar").parse::<ChannelName>())
    });
    group.bench_function("channel_name_200B", |b| {
        let long = format!("private-{}", "a".repeat(192));
        b.iter(|| black_box(long.as_str()).parse::<ChannelName>())
    });
    group.finish();
}

/// Private-channel signatures on one thread, then on each of two threads at once: wall
/// time for `iters` signatures per thread, so the throughput shown is per thread-count.
fn threads(c: &mut Criterion) {
    let creds = creds();
    let socket: SocketId = SOCKET.parse().unwrap();
    let channel: ChannelName = PRIVATE.parse().unwrap();
    let run = |iters: u64| {
        for _ in 0..iters {
            black_box(sign_channel_auth(&creds, black_box(&socket), black_box(&channel)).unwrap());
        }
    };
    let mut group = c.benchmark_group("threads_private_sign");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    group.sample_size(20);
    for n in [1u64, 2] {
        group.throughput(Throughput::Elements(n));
        group.bench_function(format!("{n}_thread"), |b| {
            b.iter_custom(|iters| {
                let barrier = std::sync::Barrier::new(usize::try_from(n).unwrap() + 1);
                std::thread::scope(|s| {
                    let handles: Vec<_> = (0..n)
                        .map(|_| {
                            s.spawn(|| {
                                barrier.wait();
                                run(iters);
                            })
                        })
                        .collect();
                    barrier.wait();
                    let start = Instant::now();
                    for h in handles {
                        h.join().unwrap();
                    }
                    start.elapsed()
                })
            });
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    private_channel,
    encrypted_channel,
    encrypt_payload_1k,
    presence_channel,
    user,
    webhook,
    parse,
    threads
);
criterion_main!(benches);
