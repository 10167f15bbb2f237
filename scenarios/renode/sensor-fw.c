/*
 * sensor-fw: a small bare-metal firmware for the STM32F4 as Renode models it
 * (platforms/cpus/stm32f4.repl), used by scenarios/renode-mcu.yaml.
 *
 * Every 100 ms of (virtual) time it prints one reading on USART1, in the shape
 * sim's built-in gateway and cloud read (a `readings` object keyed by sensor kind;
 * a line without one is counted `unreadable`):
 *     {"seq":3,"t_ms":300,"readings":{"temperature":21.71}}
 * and it answers every line it receives on USART1 with
 *     {"rx":"<the line>","t_ms":<time it arrived>}
 *
 * Time comes only from SysTick, clocked by the core clock: Renode's stm32f4.repl
 * gives SysTick 72 MHz (`systickFrequency: 72000000`), so the lines depend only
 * on virtual time, never on how fast the host runs. The reading is a pure
 * function of the sample number, so two runs print the same bytes.
 *
 * No libc, no vendor headers: registers are written by address (RM0090).
 */
#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* RCC: clock enable for USART1 (APB2ENR bit 4). Renode does not gate clocks,
 * real silicon does, so the firmware enables it like any STM32 program. */
#define RCC_APB2ENR REG32(0x40023844u)
#define RCC_APB2ENR_USART1EN (1u << 4)

/* USART1 at 0x40011000, IRQ 37. */
#define USART1_SR REG32(0x40011000u)
#define USART1_DR REG32(0x40011004u)
#define USART1_BRR REG32(0x40011008u)
#define USART1_CR1 REG32(0x4001100Cu)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)
#define USART1_IRQN 37u

/* SysTick and NVIC (ARMv7-M). */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* core clock */
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))

#define CORE_CLOCK_HZ 72000000u /* systickFrequency in Renode's stm32f4.repl */
#define UART_CLOCK_HZ 8000000u  /* STM32_UART's default `frequency` in Renode */
#define BAUD 115200u
#define TICK_HZ 1000u       /* 1 ms SysTick */
#define REPORT_EVERY_MS 100u

#define RX_LINE_MAX 64u

static volatile uint32_t now_ms;
static volatile uint32_t reports_due;

/* Received bytes: a single-producer (ISR) / single-consumer (main) ring. */
static volatile uint8_t rx_ring[128];
static volatile uint32_t rx_head;
static uint32_t rx_tail;

void SysTick_Handler(void)
{
    now_ms++;
    if (now_ms % REPORT_EVERY_MS == 0u) {
        reports_due++;
    }
}

void USART1_IRQHandler(void)
{
    while (USART1_SR & USART_SR_RXNE) {
        uint8_t byte = (uint8_t)USART1_DR;
        uint32_t next = (rx_head + 1u) % sizeof rx_ring;
        if (next != rx_tail) { /* a full ring drops the byte */
            rx_ring[rx_head] = byte;
            rx_head = next;
        }
    }
}

static void uart_putc(char c)
{
    while ((USART1_SR & USART_SR_TXE) == 0u) {
    }
    USART1_DR = (uint8_t)c;
}

static void uart_puts(const char *s)
{
    while (*s != '\0') {
        uart_putc(*s++);
    }
}

static void uart_putu(uint32_t v)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        uart_putc(digits[--n]);
    }
}

/* Temperature in hundredths of a degree: a triangle wave between 21.50 and
 * 22.49 with a period of 200/7 samples, a pure function of the sample number. */
static uint32_t temperature_centi(uint32_t seq)
{
    uint32_t phase = (seq * 7u) % 200u;
    uint32_t tri = phase < 100u ? phase : 200u - phase;
    return 2150u + tri;
}

static void report(uint32_t seq)
{
    uint32_t centi = temperature_centi(seq);
    uart_puts("{\"seq\":");
    uart_putu(seq);
    uart_puts(",\"t_ms\":");
    uart_putu(seq * REPORT_EVERY_MS);
    uart_puts(",\"readings\":{\"temperature\":");
    uart_putu(centi / 100u);
    uart_putc('.');
    uart_putc((char)('0' + (centi / 10u) % 10u));
    uart_putc((char)('0' + centi % 10u));
    uart_puts("}}\r\n");
}

static void answer(const char *line, uint32_t t_ms)
{
    uart_puts("{\"rx\":\"");
    uart_puts(line);
    uart_puts("\",\"t_ms\":");
    uart_putu(t_ms);
    uart_puts("}\r\n");
}

int main(void)
{
    static char line[RX_LINE_MAX + 1u];
    uint32_t line_len = 0;
    uint32_t seq = 0;

    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    USART1_BRR = (UART_CLOCK_HZ + BAUD / 2u) / BAUD;
    USART1_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    NVIC_ISER(USART1_IRQN / 32u) = 1u << (USART1_IRQN % 32u);

    SYST_RVR = CORE_CLOCK_HZ / TICK_HZ - 1u;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;

    for (;;) {
        /* Sleep until an interrupt; checking with interrupts masked closes the
         * window where one could arrive between the check and the WFI. */
        __asm volatile("cpsid i" ::: "memory");
        if (reports_due == 0u && rx_head == rx_tail) {
            __asm volatile("wfi" ::: "memory");
        }
        __asm volatile("cpsie i" ::: "memory");

        while (reports_due != 0u) {
            __asm volatile("cpsid i" ::: "memory");
            reports_due--;
            __asm volatile("cpsie i" ::: "memory");
            seq++;
            report(seq);
        }

        while (rx_head != rx_tail) {
            char c = (char)rx_ring[rx_tail];
            rx_tail = (rx_tail + 1u) % sizeof rx_ring;
            if (c == '\n' || c == '\r') {
                if (line_len > 0u) {
                    line[line_len] = '\0';
                    answer(line, now_ms);
                    line_len = 0;
                }
            } else if (line_len < RX_LINE_MAX) {
                /* Keep the answer valid JSON: no quotes, backslashes or controls. */
                line[line_len++] = (c == '"' || c == '\\' || (uint8_t)c < 0x20u) ? '?' : c;
            }
        }
    }
}

/* ---- start-up ----------------------------------------------------------- */

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

void Reset_Handler(void)
{
    const uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0u;
    }
    main();
    for (;;) {
    }
}

void Default_Handler(void)
{
    for (;;) {
    }
}

/* Renode points VTOR at the lowest loaded address, where the linker script puts
 * this table: initial stack pointer, then the handlers. */
#define VECTORS (16u + 82u) /* 16 core exceptions + the STM32F40x IRQs */
__attribute__((section(".isr_vector"), used)) void (*const vector_table[VECTORS])(void) = {
    [0] = (void (*)(void))(&_estack),
    [1] = Reset_Handler,
    [2 ... 14] = Default_Handler,
    [15] = SysTick_Handler,
    [16 ... (16u + USART1_IRQN - 1u)] = Default_Handler,
    [16u + USART1_IRQN] = USART1_IRQHandler,
    [(16u + USART1_IRQN + 1u) ... (VECTORS - 1u)] = Default_Handler,
};
