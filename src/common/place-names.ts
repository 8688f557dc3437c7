/**
 * Village and commune names as the administration writes them in a sentence: "Pò Háng" becomes "thôn Pò Háng"
 * and "Bính Xá" "xã Bính Xá", while a name that already says what it is ("Thôn 1", "Bản Giềng", "Thị trấn Na
 * Sầm") stays as it is. English: "Pò Háng village", "Bính Xá commune".
 */
export const villageVi = (name: string) => (/^(thôn|bản|làng|ấp|buôn|tổ dân phố|khối|xóm|phum|sóc)\s/i.test(name) ? name : `thôn ${name}`);
export const communeVi = (name: string) => (/^(xã|phường|thị trấn|đặc khu)\s/i.test(name) ? name : `xã ${name}`);
export const villageEn = (name: string) => (/\bvillage$/i.test(name) ? name : `${name} village`);
export const communeEn = (name: string) => (/\b(commune|ward|town)$/i.test(name) ? name : `${name} commune`);

/** A certification dossier's title, in the words of the province's own documents. */
export const dossierTitle = (villageName: string, year: number) => ({
  vi: `Hồ sơ đề nghị công nhận ${villageVi(villageName)} đạt chuẩn nông thôn mới năm ${year}`,
  en: `Certification dossier of ${villageEn(villageName)}, ${year}`,
});

/** A criteria assessment's title ("Kết quả đánh giá tiêu chí thôn Pò Háng ngày 30/11/2026"); `day` is dd/mm/yyyy. */
export const assessmentTitle = (villageName: string, day: string) => ({
  vi: `Kết quả đánh giá tiêu chí ${villageVi(villageName)} ngày ${day}`,
  en: `Criteria assessment of ${villageEn(villageName)} of ${day}`,
});
