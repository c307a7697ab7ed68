import { describe, expect, it } from 'vitest';
import { PRODUCTS } from '../src/index.js';
import { CUSTOMER_PLACES, DESTINATIONS } from '../src/places.js';

const isLatin1 = (text: string) => [...text].every((char) => char.charCodeAt(0) <= 0xff);

describe('product catalog', () => {
  it('has 118 products with unique ids and names in 50 categories of 11 departments', () => {
    expect(PRODUCTS).toHaveLength(118);
    expect(new Set(PRODUCTS.map((p) => p.cardId)).size).toBe(118);
    expect(new Set(PRODUCTS.map((p) => p.name)).size).toBe(118);
    expect(new Set(PRODUCTS.map((p) => p.categoryId)).size).toBe(50);
    expect(new Set(PRODUCTS.map((p) => p.categoryName)).size).toBe(50);
    expect(new Set(PRODUCTS.map((p) => p.departmentId)).size).toBe(11);
    expect(new Set(PRODUCTS.map((p) => p.departmentName)).size).toBe(11);
  });

  it('puts each category in exactly one department', () => {
    const departmentOf = new Map<number, number>();
    for (const product of PRODUCTS) {
      const known = departmentOf.get(product.categoryId);
      if (known !== undefined) expect(product.departmentId).toBe(known);
      departmentOf.set(product.categoryId, product.departmentId);
    }
  });

  it('prices every product in whole cents, above zero', () => {
    for (const product of PRODUCTS) {
      expect(Number.isInteger(product.priceCents)).toBe(true);
      expect(product.priceCents).toBeGreaterThan(0);
    }
  });

  it('keeps the real file’s quirks: trailing spaces, a comma, a quote, accents', () => {
    expect(PRODUCTS.filter((p) => p.name.endsWith(' ')).length).toBeGreaterThanOrEqual(3);
    expect(PRODUCTS.some((p) => p.name.includes(','))).toBe(true);
    expect(PRODUCTS.some((p) => p.name.includes('"'))).toBe(true);
    expect(PRODUCTS.some((p) => [...p.name].some((char) => char.charCodeAt(0) > 0x7f))).toBe(true);
    expect(PRODUCTS.some((p) => p.categoryName === 'Cameras ')).toBe(true);
  });

  it('derives image URLs from names the way the real file does', () => {
    const watch = PRODUCTS.find((p) => p.name.endsWith('Smart watch '))!;
    expect(watch.image).toBe(
      `http://images.acmesports.sports/${watch.name.trimEnd().replaceAll(' ', '+')} `,
    );
    for (const product of PRODUCTS) {
      expect(product.image.startsWith('http://images.acmesports.sports/')).toBe(true);
      expect(product.image.trimEnd()).not.toContain(' ');
    }
  });

  it('uses only latin-1 characters in every text the CSV will carry', () => {
    for (const product of PRODUCTS) {
      for (const text of [
        product.name,
        product.image,
        product.categoryName,
        product.departmentName,
      ]) {
        expect(isLatin1(text), text).toBe(true);
      }
    }
    for (const destinations of Object.values(DESTINATIONS)) {
      for (const d of destinations) {
        for (const text of [d.region, d.country, d.state, d.city])
          expect(isLatin1(text), text).toBe(true);
      }
    }
    for (const [place] of CUSTOMER_PLACES) {
      for (const text of [place.city, place.state, place.country])
        expect(isLatin1(text), text).toBe(true);
    }
  });
});
